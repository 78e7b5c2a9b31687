// Command llmdepp runs llm-d's endpoint picker (EPP) as llm-d's cmd/epp runs it, with one difference: its endpoints
// are given on the command line instead of coming from Kubernetes. It exists so that Spillway's router can be
// compared side by side with llm-d's own router on the same pods (perf/benchmarks' EppSideBySide).
//
// What is llm-d's and GIE's code here (imported, none copied): llm-d-inference-scheduler's plugins registered by its
// own RegisterAllPlugins, GIE's in-tree plugins (the prefix-cache scorer, queue and KV-utilisation scorers, max-score
// picker, ...), GIE's configuration loader (an empty configuration gives GIE's default: prefix-cache 3, queue 2,
// KV utilisation 2, max-score picker), GIE's scheduler, request-control director, legacy admission controller and
// saturation detector, its pod-metrics client scraping each endpoint's /metrics, its datastore, and its ext_proc
// streaming server (handlers.NewStreamingServer through ExtProcServerRunner.AsRunnable), which speaks to the client.
//
// What is ours: main wires them as GIE's cmd/epp/runner does (Runner.setup, parseConfigurationPhaseOne/Two,
// setupDataLayer), without the controller manager. GIE v1.4's standalone mode (--endpoint-selector with
// --endpoint-target-ports) still discovers its pods through a Kubernetes API server (the PodReconciler watches the
// pods the selector matches), and there is none here, so main adds one pod itself to GIE's datastore
// (datastore.PodUpdateOrAddIfNotExist, the call the PodReconciler makes): IP --pod-ip, the selector's labels, and
// every --endpoint-target-ports port an endpoint ("<pod>-rank-<i>", as GIE names data-parallel ranks), each scraped
// on its own port. So several simulators on one loopback address are several endpoints of one pod.
//
// Usage: llmdepp --endpoint-selector app=sim --endpoint-target-ports 8001,8002 --grpc-port 9002
//
//	[--config-file FILE | --config-text YAML] [--pod-ip 127.0.0.1] [--pod-name sims] [any other GIE EPP flag]
//
// It prints "llmdepp: serving ext_proc on PORT" once the datastore holds the endpoints, and exits 1 with a reason on a
// bad flag or configuration. Secure serving, tracing, pprof and leader election default to off (loopback only).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	logutil "sigs.k8s.io/gateway-api-inference-extension/pkg/common/observability/logging"
	backendmetrics "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/backend/metrics"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/config/loader"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datalayer"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datastore"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/flowcontrol"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/flowcontrol/framework/plugins/fairness"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/flowcontrol/framework/plugins/ordering"
	fwkdl "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/interface/datalayer"
	fwkplugin "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/interface/plugin"
	extractormetrics "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/datalayer/extractor/metrics"
	sourcemetrics "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/datalayer/source/metrics"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/picker"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/profile"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/scorer"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/scorer/prefix"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/requestcontrol"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/saturationdetector/framework/plugins/utilizationdetector"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/scheduling"
	runserver "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/server"

	llmdplugins "github.com/llm-d/llm-d-inference-scheduler/pkg/plugins"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "llmdepp:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := runserver.NewOptions()
	opts.SecureServing, opts.Tracing, opts.EnablePprof, opts.EnableLeaderElection = false, false, false, false
	opts.AddFlags(pflag.CommandLine)
	podIP := pflag.String("pod-ip", "127.0.0.1", "address of the one pod that carries every --endpoint-target-ports port")
	podName := pflag.String("pod-name", "sims", "name of that pod (endpoints are <pod-name>-rank-<i>)")
	pflag.Parse()
	if err := opts.Complete(); err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	if opts.EndpointSelector == "" {
		return errors.New("--endpoint-selector and --endpoint-target-ports are required (GIE's standalone mode; " +
			"there is no InferencePool without Kubernetes)")
	}
	logutil.InitLogging(&opts.ZapOptions)
	logger := ctrl.Log.WithName("llmdepp")

	// As the runner's parseConfigurationPhaseOne.
	var raw []byte
	switch {
	case opts.ConfigText != "":
		raw = []byte(opts.ConfigText)
	case opts.ConfigFile != "":
		b, err := os.ReadFile(opts.ConfigFile)
		if err != nil {
			return fmt.Errorf("--config-file %s: %w", opts.ConfigFile, err)
		}
		raw = b
	}
	loader.RegisterFeatureGate(datalayer.ExperimentalDatalayerFeatureGate)
	loader.RegisterFeatureGate(flowcontrol.FeatureGate)
	loader.RegisterFeatureGate(datalayer.PrepareDataPluginsFeatureGate)
	registerInTree()
	llmdplugins.RegisterAllPlugins() // as llm-d's cmd/epp main does
	rawConfig, gates, err := loader.LoadRawConfig(raw, logger)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if gates[datalayer.ExperimentalDatalayerFeatureGate] || gates[flowcontrol.FeatureGate] {
		return errors.New("the experimental data layer and flow control gates need a controller manager; not supported here")
	}

	// As the runner's setupMetricsCollection (legacy pod metrics) and setupDatastore (standalone mode).
	pmc, err := backendmetrics.NewPodMetricsClientImpl(logger, backendmetrics.Config{
		ModelServerMetricsScheme:        opts.ModelServerMetricsScheme,
		ModelServerMetricsHTTPSInsecure: opts.ModelServerMetricsHTTPSInsecure,
		ModelServerMetricsPath:          opts.ModelServerMetricsPath,
		TotalQueuedRequestsMetric:       opts.TotalQueuedRequestsMetric,
		TotalRunningRequestsMetric:      opts.TotalRunningRequestsMetric,
		KVCacheUsagePercentageMetric:    opts.KVCacheUsagePercentageMetric,
		LoRAInfoMetric:                  opts.LoRAInfoMetric,
		CacheInfoMetric:                 opts.CacheInfoMetric,
	})
	if err != nil {
		return err
	}
	epf := backendmetrics.NewPodMetricsFactory(pmc, opts.RefreshMetricsInterval)
	selector, err := labels.ConvertSelectorToLabelsMap(opts.EndpointSelector)
	if err != nil {
		return fmt.Errorf("--endpoint-selector %q: %w", opts.EndpointSelector, err)
	}
	namespace := opts.PoolNamespace
	if namespace == "" {
		namespace = runserver.DefaultPoolNamespace
	}
	pool := datalayer.NewEndpointPool(namespace, *podName+"-pool")
	pool.Selector = selector
	pool.TargetPorts = append(pool.TargetPorts, opts.EndpointTargetPorts...)
	ds := datastore.NewDatastore(ctx, epf, int32(opts.ModelServerMetricsPort), datastore.WithEndpointPool(pool))

	// As the runner's parseConfigurationPhaseTwo.
	handle := fwkplugin.NewEppHandle(ctx, func() []types.NamespacedName {
		eps := ds.PodList(datastore.AllPodsPredicate)
		names := make([]types.NamespacedName, 0, len(eps))
		for _, ep := range eps {
			names = append(names, ep.GetMetadata().NamespacedName)
		}
		return names
	})
	cfg, err := loader.InstantiateAndConfigure(rawConfig, handle, logger)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	rc := requestcontrol.NewConfig()
	rc.AddPlugins(handle.GetAllPlugins()...)
	dag, err := datalayer.ValidateAndOrderDataDependencies(handle.GetAllPlugins())
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if !gates[datalayer.PrepareDataPluginsFeatureGate] {
		rc.WithPrepareDataPlugins()
	}
	rc.OrderPrepareDataPlugins(dag)

	// As the runner's setupDataLayer (legacy metrics: the data layer's metrics extractor is disallowed).
	if err := datalayer.WithConfig(cfg.DataConfig, extractormetrics.MetricsExtractorType); err != nil {
		return err
	}
	var sources []fwkdl.DataSource
	for _, src := range datalayer.GetSources() {
		if _, polling := src.(fwkdl.PollingDataSource); !polling {
			return fmt.Errorf("data source %s needs Kubernetes notifications; not supported here", src.TypedName())
		}
		sources = append(sources, src)
	}
	epf.SetSources(sources)

	// The pod the PodReconciler would have reported.
	ds.PodUpdateOrAddIfNotExist(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: *podName, Namespace: namespace, Labels: selector},
		Status:     corev1.PodStatus{PodIP: *podIP},
	})
	for _, ep := range ds.PodList(datastore.AllPodsPredicate) {
		m := ep.GetMetadata()
		logger.Info("endpoint", "name", m.NamespacedName.String(), "address", m.Address, "port", m.Port,
			"metrics", m.MetricsHost)
	}

	// As the runner's setup from "Initialize Core EPP Components" on, without the manager.
	scheduler := scheduling.NewSchedulerWithConfig(cfg.SchedulerConfig)
	detector := utilizationdetector.NewDetector(cfg.SaturationDetectorConfig, logger)
	locator := requestcontrol.NewDatastorePodLocator(ds,
		requestcontrol.WithDisableEndpointSubsetFilter(opts.DisableEndpointSubsetFilter))
	admission := requestcontrol.NewLegacyAdmissionController(detector, locator)
	director := requestcontrol.NewDirectorWithConfig(ds, scheduler, admission, locator, rc)
	server := &runserver.ExtProcServerRunner{
		GrpcPort:                         opts.GRPCPort,
		Datastore:                        ds,
		SecureServing:                    opts.SecureServing,
		HealthChecking:                   opts.HealthChecking,
		CertPath:                         opts.CertPath,
		EnableCertReload:                 opts.EnableCertReload,
		RefreshPrometheusMetricsInterval: opts.RefreshPrometheusMetricsInterval,
		MetricsStalenessThreshold:        opts.MetricsStalenessThreshold,
		Director:                         director,
		SaturationDetector:               detector,
	}
	fmt.Printf("llmdepp: serving ext_proc on %d\n", opts.GRPCPort)
	return server.AsRunnable(logger.WithName("ext-proc")).Start(ctx)
}

// registerInTree registers the scheduling and flow-control part of GIE's runner registerInTreePlugins (unexported
// there; the factories are the same), and the data layer's metrics source and extractor it registers.
func registerInTree() {
	fwkplugin.Register(prefix.PrefixCachePluginType, prefix.PrefixCachePluginFactory)
	fwkplugin.Register(picker.MaxScorePickerType, picker.MaxScorePickerFactory)
	fwkplugin.Register(picker.RandomPickerType, picker.RandomPickerFactory)
	fwkplugin.Register(picker.WeightedRandomPickerType, picker.WeightedRandomPickerFactory)
	fwkplugin.Register(profile.SingleProfileHandlerType, profile.SingleProfileHandlerFactory)
	fwkplugin.Register(scorer.KvCacheUtilizationScorerType, scorer.KvCacheUtilizationScorerFactory)
	fwkplugin.Register(scorer.QueueScorerType, scorer.QueueScorerFactory)
	fwkplugin.Register(scorer.RunningRequestsSizeScorerType, scorer.RunningRequestsSizeScorerFactory)
	fwkplugin.Register(scorer.LoraAffinityScorerType, scorer.LoraAffinityScorerFactory)
	fwkplugin.Register(fairness.GlobalStrictFairnessPolicyType, fairness.GlobalStrictFairnessPolicyFactory)
	fwkplugin.Register(fairness.RoundRobinFairnessPolicyType, fairness.RoundRobinFairnessPolicyFactory)
	fwkplugin.Register(ordering.FCFSOrderingPolicyType, ordering.FCFSOrderingPolicyFactory)
	fwkplugin.Register(ordering.EDFOrderingPolicyType, ordering.EDFOrderingPolicyFactory)
	fwkplugin.Register(sourcemetrics.MetricsDataSourceType, sourcemetrics.MetricsDataSourceFactory)
	fwkplugin.Register(extractormetrics.MetricsExtractorType, extractormetrics.ModelServerExtractorFactory)
}

// Command llmdconfig loads an EndpointPickerConfig with llm-d's own configuration loader (the Gateway API Inference
// Extension's loader, with llm-d-inference-scheduler's plugins registered as its cmd/epp main registers them) and
// prints the plugin graph the loader built as JSON: the plugins, each scheduling profile's filters, weighted scorers
// and picker, and the profile handler with its profile names and deciders. Spillway's tests compare this graph with
// the one Spillway's RoutingConfig builds from the same file.
//
// Usage: llmdconfig FILE   (exit 1 and the loader's error on stderr when the loader refuses the file)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/config/loader"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datalayer"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/flowcontrol"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/flowcontrol/framework/plugins/fairness"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/flowcontrol/framework/plugins/ordering"
	fwkplugin "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/interface/plugin"
	fwksched "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/interface/scheduling"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/picker"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/profile"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/scorer"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/plugins/scheduling/scorer/prefix"

	llmdplugins "github.com/llm-d/llm-d-inference-scheduler/pkg/plugins"
)

type pluginOut struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type pickerOut struct {
	Type              string `json:"type"`
	MaxNumOfEndpoints int64  `json:"maxNumOfEndpoints"`
}

type profileOut struct {
	Filters []string           `json:"filters"`
	Scorers map[string]float64 `json:"scorers"`
	Picker  *pickerOut         `json:"picker"`
}

type deciderOut struct {
	Name            string `json:"name"`
	Type            string `json:"type"`
	NonCachedTokens *int64 `json:"nonCachedTokens,omitempty"`
}

type handlerOut struct {
	Type     string                 `json:"type"`
	Profiles map[string]string      `json:"profiles,omitempty"`
	Deciders map[string]*deciderOut `json:"deciders,omitempty"`
}

type graph struct {
	APIVersion string                 `json:"apiVersion"`
	Plugins    []pluginOut            `json:"plugins"`
	Profiles   map[string]*profileOut `json:"profiles"`
	Handler    handlerOut             `json:"handler"`
}

// registerInTree registers what GIE's runner (cmd/epp/runner, registerInTreePlugins) registers for scheduling and
// flow control: the runner's method is unexported, the factories are the same.
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
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: llmdconfig FILE")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	g, err := load(raw)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.MarshalIndent(g, "", "  ")
	fmt.Println(string(out))
}

func load(raw []byte) (*graph, error) {
	// As the runner does before loading (parseConfigurationPhaseOne).
	loader.RegisterFeatureGate(datalayer.ExperimentalDatalayerFeatureGate)
	loader.RegisterFeatureGate(flowcontrol.FeatureGate)
	loader.RegisterFeatureGate(datalayer.PrepareDataPluginsFeatureGate)
	registerInTree()
	llmdplugins.RegisterAllPlugins()

	logger := logr.Discard()
	cfg, _, err := loader.LoadRawConfig(raw, logger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handle := fwkplugin.NewEppHandle(ctx, func() []types.NamespacedName { return nil })
	if _, err := loader.InstantiateAndConfigure(cfg, handle, logger); err != nil {
		return nil, err
	}

	g := &graph{APIVersion: cfg.APIVersion, Profiles: map[string]*profileOut{}}
	typeOf := map[string]string{} // the configured type: llm-d's role filters report "by-label" as their own
	for _, p := range cfg.Plugins {
		g.Plugins = append(g.Plugins, pluginOut{Name: p.Name, Type: p.Type})
		typeOf[p.Name] = p.Type
	}
	sort.Slice(g.Plugins, func(i, j int) bool { return g.Plugins[i].Name < g.Plugins[j].Name })
	for _, prof := range cfg.SchedulingProfiles {
		po := &profileOut{Filters: []string{}, Scorers: map[string]float64{}}
		for _, ref := range prof.Plugins {
			p := handle.Plugin(ref.PluginRef)
			if _, ok := p.(fwksched.Filter); ok {
				po.Filters = append(po.Filters, typeOf[ref.PluginRef])
			}
			if _, ok := p.(fwksched.Scorer); ok {
				po.Scorers[ref.PluginRef] = *ref.Weight
			}
			if _, ok := p.(fwksched.Picker); ok {
				po.Picker = &pickerOut{Type: typeOf[ref.PluginRef], MaxNumOfEndpoints: intField(p, "maxNumOfEndpoints")}
			}
		}
		g.Profiles[prof.Name] = po
	}
	for _, p := range handle.GetAllPluginsWithNames() {
		if h, ok := p.(fwksched.ProfileHandler); ok {
			g.Handler = describeHandler(h, handle, typeOf)
		}
	}
	return g, nil
}

// describeHandler reads the handler's profile names and deciders from its fields (unexported in llm-d; reflection
// reads them without changing anything).
func describeHandler(h fwksched.ProfileHandler, handle fwkplugin.Handle, typeOf map[string]string) handlerOut {
	out := handlerOut{Type: typeOf[h.TypedName().Name]}
	v := reflect.ValueOf(h)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.String && len(name) > len("Profile") && name[len(name)-len("Profile"):] == "Profile":
			if out.Profiles == nil {
				out.Profiles = map[string]string{}
			}
			out.Profiles[name[:len(name)-len("Profile")]] = f.String()
		case f.Kind() == reflect.Interface && !f.IsNil():
			role := map[string]string{"pdDecider": "prefill", "decider": "prefill", "encodeDecider": "encode"}[name]
			if role == "" {
				continue
			}
			d := f.Elem()
			do := &deciderOut{}
			for pname, p := range handle.GetAllPluginsWithNames() { // the decider is a configured plugin
				if pv := reflect.ValueOf(p); pv.Kind() == reflect.Pointer && d.Kind() == reflect.Pointer &&
					pv.Pointer() == d.Pointer() {
					do.Name, do.Type = pname, typeOf[pname]
				}
			}
			for d.Kind() == reflect.Pointer || d.Kind() == reflect.Interface {
				d = d.Elem()
			}
			if d.Kind() == reflect.Struct {
				if c := d.FieldByName("config"); c.IsValid() && c.Kind() == reflect.Struct {
					if n := c.FieldByName("NonCachedTokens"); n.IsValid() {
						x := n.Int()
						do.NonCachedTokens = &x
					}
				}
			}
			if out.Deciders == nil {
				out.Deciders = map[string]*deciderOut{}
			}
			out.Deciders[role] = do
		}
	}
	return out
}

func intField(p any, field string) int64 {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0
	}
	f := v.FieldByName(field)
	if !f.IsValid() {
		return 0
	}
	return f.Int()
}

package io.spillway.server;

import io.spillway.control.v1.NamespaceSpec;
import io.spillway.key.Namespace;
import java.util.Properties;

/** Converts namespaces to and from their gRPC spec and their persisted properties. */
final class NamespaceCodec {
    private NamespaceCodec() {
    }

    static Namespace fromSpec(NamespaceSpec s) {
        Namespace.Builder b = Namespace.builder().modelId(s.getModelId()).loraAdapter(s.getLoraAdapter())
            .blockSizeTokens(s.getBlockSizeTokens()).layers(s.getLayers()).kvHeads(s.getKvHeads())
            .headDim(s.getHeadDim()).tpRank(s.getTpRank());
        if (!s.getTenant().isEmpty()) {
            b.tenant(s.getTenant());
        }
        if (!s.getDtype().isEmpty()) {
            b.dtype(s.getDtype());
        }
        if (!s.getLayout().isEmpty()) {
            b.layout(s.getLayout());
        }
        if (s.getTpSize() != 0) {
            b.tpSize(s.getTpSize());
        }
        if (s.getPpSize() != 0) {
            b.ppSize(s.getPpSize()).ppRank(s.getPpRank());
        }
        return b.build();
    }

    static NamespaceSpec toSpec(Namespace n) {
        return NamespaceSpec.newBuilder().setTenant(n.tenant()).setModelId(n.modelId())
            .setLoraAdapter(n.loraAdapter()).setDtype(n.dtype()).setBlockSizeTokens(n.blockSizeTokens())
            .setLayers(n.layers()).setKvHeads(n.kvHeads()).setHeadDim(n.headDim()).setTpSize(n.tpSize())
            .setTpRank(n.tpRank()).setPpSize(n.ppSize()).setPpRank(n.ppRank()).setLayout(n.layout()).build();
    }

    static void write(Properties p, String prefix, Namespace n) {
        p.setProperty(prefix + ".tenant", n.tenant());
        p.setProperty(prefix + ".modelId", n.modelId());
        p.setProperty(prefix + ".loraAdapter", n.loraAdapter());
        p.setProperty(prefix + ".dtype", n.dtype());
        p.setProperty(prefix + ".blockSizeTokens", String.valueOf(n.blockSizeTokens()));
        p.setProperty(prefix + ".layers", String.valueOf(n.layers()));
        p.setProperty(prefix + ".kvHeads", String.valueOf(n.kvHeads()));
        p.setProperty(prefix + ".headDim", String.valueOf(n.headDim()));
        p.setProperty(prefix + ".tpSize", String.valueOf(n.tpSize()));
        p.setProperty(prefix + ".tpRank", String.valueOf(n.tpRank()));
        p.setProperty(prefix + ".ppSize", String.valueOf(n.ppSize()));
        p.setProperty(prefix + ".ppRank", String.valueOf(n.ppRank()));
        p.setProperty(prefix + ".layout", n.layout());
    }

    static Namespace read(Properties p, String prefix) {
        return Namespace.builder().tenant(p.getProperty(prefix + ".tenant"))
            .modelId(p.getProperty(prefix + ".modelId")).loraAdapter(p.getProperty(prefix + ".loraAdapter"))
            .dtype(p.getProperty(prefix + ".dtype"))
            .blockSizeTokens(Integer.parseInt(p.getProperty(prefix + ".blockSizeTokens")))
            .layers(Integer.parseInt(p.getProperty(prefix + ".layers")))
            .kvHeads(Integer.parseInt(p.getProperty(prefix + ".kvHeads")))
            .headDim(Integer.parseInt(p.getProperty(prefix + ".headDim")))
            .tpSize(Integer.parseInt(p.getProperty(prefix + ".tpSize")))
            .tpRank(Integer.parseInt(p.getProperty(prefix + ".tpRank")))
            .ppSize(Integer.parseInt(p.getProperty(prefix + ".ppSize", "1")))
            .ppRank(Integer.parseInt(p.getProperty(prefix + ".ppRank", "0")))
            .layout(p.getProperty(prefix + ".layout")).build();
    }
}

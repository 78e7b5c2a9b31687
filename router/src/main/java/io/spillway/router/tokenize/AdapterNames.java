package io.spillway.router.tokenize;

import java.util.List;
import java.util.Set;

/**
 * Which {@code model} a request names: one of the base model's served names (vLLM's {@code --served-model-name}, the
 * model id by default), or else a LoRA adapter, whose name vLLM takes as the request's {@code model} and keys every
 * block with (its {@code lora_request.lora_name}). An unknown name is an adapter to the router too: vLLM refuses a
 * request for a model it does not serve, so no key of such a request is ever compared.
 */
public final class AdapterNames {
    private final Set<String> baseNames;

    /** @param baseNames the names the base model is served under; at least one */
    public AdapterNames(List<String> baseNames) {
        if (baseNames.isEmpty() || baseNames.stream().anyMatch(n -> n == null || n.isBlank())) {
            throw new IllegalArgumentException("the base model needs at least one non-blank served name, got "
                + baseNames);
        }
        this.baseNames = Set.copyOf(baseNames);
    }

    /** The LoRA adapter {@code model} names, or null for the base model ("" or absent included). */
    public String adapter(String model) {
        return model == null || model.isEmpty() || baseNames.contains(model) ? null : model;
    }
}

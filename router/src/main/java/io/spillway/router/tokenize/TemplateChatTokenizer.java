package io.spillway.router.tokenize;

import io.spillway.router.chat.ChatPrompt;
import io.spillway.router.chat.ChatTemplate;

/**
 * A chat request keyed as vLLM builds its prompt: the model's chat template rendered locally ({@link ChatTemplate}),
 * then tokenized without added special tokens (vLLM's chat default: the template writes them). With a multimodal
 * item, only the text before the item's placeholder is tokenized, and its last token is left unkeyed: it may merge
 * with what follows in the engine's text.
 */
public final class TemplateChatTokenizer implements ChatTokenizer {
    private final ChatTemplate template;
    private final PromptTokenizer tokenizer;

    public TemplateChatTokenizer(ChatTemplate template, PromptTokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    @Override
    public String describe() {
        return "template:" + template.origin() + " + " + tokenizer.describe();
    }

    @Override
    public ChatTokens encode(ChatPrompt chat, String model) {
        String text = template.prompt(chat);
        if (!chat.multimodal()) {
            return ChatTokens.all(tokenizer.encode(text, false));
        }
        int mark = text.indexOf(ChatPrompt.MULTIMODAL_MARK);
        if (mark < 0) {
            return new ChatTokens(new int[0], 0); // the template dropped the item's message: nothing known to key
        }
        int[] before = tokenizer.encode(text.substring(0, mark), false);
        return new ChatTokens(before, Math.max(0, before.length - 1));
    }
}

package io.spillway.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link ResponseDecoder} as the client's connection drives it (docs/security.md,
 * "Fuzzing"): whatever a server (or anything that answers on its port) sends, cut into whatever reads, the decoder
 * keeps {@link ResponseContract}, reads every byte and releases every buffer ({@link FuzzReads}), and allocates no
 * more than the bytes it was really given allow. Plain {@code mvn test} replays the corpus in
 * {@code ResponseDecoderFuzzTestInputs}; {@code mvn verify} fuzzes.
 */
class ResponseDecoderFuzzTest {
    @FuzzTest(maxExecutions = 1_000_000)
    void decodesResponses(byte[] input) {
        ProtocolLimits limits = FuzzReads.wantsDefaultLimits(input) ? ProtocolLimits.DEFAULTS
            : RequestDecoderFuzzTest.SMALL;
        ResponseContract contract = new ResponseContract(limits);
        ResponseDecoder decoder = new ResponseDecoder(limits, contract);
        FuzzReads.requireBoundedAllocation(input, FuzzReads.feed(input, decoder::decode),
            () -> FuzzReads.feed(input, new ResponseDecoder(limits, new ResponseContract(limits))::decode));
        if (decoder.isFailed() != contract.failed()) {
            throw new AssertionError("isFailed() " + decoder.isFailed() + " but " + contract.protocolErrors
                + " protocol errors reported");
        }
    }
}

package io.spillway.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link RequestDecoder} as the server's pipeline drives it (docs/security.md,
 * "Fuzzing"). Whatever a client sends, cut into whatever reads: the decoder keeps {@link RequestContract}, reads
 * every byte and releases every buffer ({@link FuzzReads}), allocates no more than the bytes it was given allow,
 * and, when it ends between frames without a protocol error, still answers a PING (it is in step with the stream).
 * Plain {@code mvn test} replays the corpus in {@code RequestDecoderFuzzTestInputs}; {@code mvn verify} fuzzes.
 */
class RequestDecoderFuzzTest {
    /** Small enough that the fuzzer reaches every limit; bit 7 of the first byte picks the defaults instead. */
    static final ProtocolLimits SMALL = new ProtocolLimits(256, 8, 4096);

    @FuzzTest(maxExecutions = 1_000_000)
    void decodesRequests(byte[] input) {
        ProtocolLimits limits = FuzzReads.wantsDefaultLimits(input) ? ProtocolLimits.DEFAULTS : SMALL;
        RequestContract contract = new RequestContract(limits);
        RequestDecoder decoder = new RequestDecoder(limits, contract);
        FuzzReads.requireBoundedAllocation(input, FuzzReads.feed(input, decoder::decode),
            () -> FuzzReads.feed(input, new RequestDecoder(limits, new RequestContract(limits))::decode));
        if (decoder.isFailed() != contract.failed()) {
            throw new AssertionError("isFailed() " + decoder.isFailed() + " but " + contract.protocolErrors
                + " protocol errors reported");
        }
        if (decoder.isIdle()) {
            int pings = contract.pings;
            FuzzReads.feed(Frames.concat(new byte[1], Frames.build(out -> RequestEncoder.writePing(out, 1))),
                decoder::decode);
            if (contract.pings != pings + 1) {
                throw new AssertionError("an idle decoder did not answer a PING that followed the input");
            }
        }
    }
}

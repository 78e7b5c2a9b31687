package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.tier.TierKind;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ResponseDecoder} reports, in wire order. Buffers passed in are the decoder's input: read the given
 * range during the call; never release them.
 *
 * <p>PUT_BATCH: {@link #onPutResponse}, {@link #onPutStatus} per block, {@link #onResponseEnd}.
 * GET_BATCH: {@link #onGetResponse}, then per entry {@link #onGetEntry}, zero or more {@link #onGetBytes},
 * {@link #onGetEntryEnd}; then {@link #onResponseEnd}. LOOKUP_PREFIX: {@link #onLookupResponse},
 * {@link #onLookupTier} per tier, {@link #onResponseEnd}. PING: {@link #onResponseEnd} alone.
 * Each {@code on…Response} may return {@code false} to skip the body (e.g. the request timed out): no further
 * callbacks for that frame.
 */
public interface ResponseListener {

    boolean onPutResponse(int requestId, int count);

    void onPutStatus(int index, ErrorCode status);

    boolean onGetResponse(int requestId, int count);

    /** Entry {@code index}: {@code status} {@code OK} with {@code length} bytes to follow from {@code tier}, or a miss. */
    void onGetEntry(int index, ErrorCode status, @Nullable TierKind tier, int length);

    /** The next {@code length} bytes of the current entry, at {@code index} in {@code buffer}. */
    void onGetBytes(ByteBuf buffer, int index, int length);

    /**
     * Entry {@code index} is complete. {@code verdict}: the entry's status for a miss; for a hit {@code OK} when its
     * bytes match their CRC32C, else {@code CHECKSUM_MISMATCH}.
     */
    void onGetEntryEnd(int index, ErrorCode verdict);

    boolean onLookupResponse(int requestId, int prefixLength, int tierCount);

    void onLookupTier(TierKind tier, int longestRun, int blocksInPrefix);

    /**
     * The response's topology trailer ({@link FrameHeader#FLAG_TOPOLOGY}): the version of the answering node's
     * partition map. Called after the last status or entry and before {@link #onResponseEnd}.
     */
    default void onTopologyVersion(int requestId, long topologyVersion) {
    }

    /** The last body callback of a delivered response has been made. */
    void onResponseEnd(OpCode op, int requestId);

    /** A request-level failure: the response's status and the server's message. {@code opCode} is the raw op. */
    void onError(int opCode, int requestId, ErrorCode status, String message);

    /** The stream is broken ({@code code} says how): close the connection. Later input is discarded. */
    void onProtocolError(ErrorCode code, String message);
}

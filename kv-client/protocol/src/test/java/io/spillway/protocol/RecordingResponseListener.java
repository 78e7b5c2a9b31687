package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.tier.TierKind;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Records a {@link ResponseDecoder}'s callbacks as text events and the bytes of each entry (test-jar helper). */
public class RecordingResponseListener implements ResponseListener {
    public final List<String> events = new ArrayList<>();
    public final List<byte[]> entries = new ArrayList<>();
    public boolean acceptResponses = true;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();

    @Override
    public boolean onPutResponse(int requestId, int count) {
        events.add("put id=" + requestId + " count=" + count);
        return acceptResponses;
    }

    @Override
    public void onPutStatus(int index, ErrorCode status) {
        events.add("status " + index + " " + status);
    }

    @Override
    public boolean onGetResponse(int requestId, int count) {
        events.add("get id=" + requestId + " count=" + count);
        return acceptResponses;
    }

    @Override
    public void onGetEntry(int index, ErrorCode status, TierKind tier, int length) {
        events.add("entry " + index + " " + status + " " + tier + " length=" + length);
        current.reset();
    }

    @Override
    public void onGetBytes(ByteBuf buffer, int index, int length) {
        byte[] chunk = new byte[length];
        buffer.getBytes(index, chunk);
        current.write(chunk, 0, length);
    }

    @Override
    public void onGetEntryEnd(int index, ErrorCode verdict) {
        events.add("entryEnd " + index + " " + verdict);
        entries.add(current.toByteArray());
    }

    @Override
    public boolean onLookupResponse(int requestId, int prefixLength, int tierCount) {
        events.add("lookup id=" + requestId + " prefix=" + prefixLength + " tiers=" + tierCount);
        return acceptResponses;
    }

    @Override
    public void onLookupTier(TierKind tier, int longestRun, int blocksInPrefix) {
        events.add("tier " + tier + " run=" + longestRun + " inPrefix=" + blocksInPrefix);
    }

    @Override
    public void onTopologyVersion(int requestId, long topologyVersion) {
        events.add("topology id=" + requestId + " version=" + topologyVersion);
    }

    @Override
    public void onResponseEnd(OpCode op, int requestId) {
        events.add("end " + op + " id=" + requestId);
    }

    @Override
    public void onError(int opCode, int requestId, ErrorCode status, String message) {
        events.add("error op=" + opCode + " id=" + requestId + " " + status + ": " + message);
    }

    @Override
    public void onProtocolError(ErrorCode code, String message) {
        events.add("protocolError " + code + ": " + message);
    }

    public String last() {
        return events.isEmpty() ? "" : events.get(events.size() - 1);
    }
}

package io.spillway.client;

import io.spillway.protocol.ErrorCode;

/** Per-block outcome of a batch put, in request order. */
public record PutResult(ErrorCode[] statuses) {
    public boolean allOk() {
        for (ErrorCode s : statuses) {
            if (s != ErrorCode.OK) {
                return false;
            }
        }
        return true;
    }

    public int count(ErrorCode code) {
        int n = 0;
        for (ErrorCode s : statuses) {
            if (s == code) {
                n++;
            }
        }
        return n;
    }
}

package io.spillway.router.vllm;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs the first occurrence of each kind of problem and stays silent after it (the counters keep counting), so a
 * pod sending garbage at line rate cannot flood the log. Remembers at most {@link #MAX_KINDS} kinds; past that it
 * logs nothing new.
 */
final class LogOnce {
    static final int MAX_KINDS = 1_024;

    private final Logger log;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    LogOnce(Logger log) {
        this.log = log;
    }

    /** Logs {@code message} at WARNING when {@code kind} was not logged before; returns whether it logged. */
    boolean warn(String kind, String message) {
        if (seen.size() >= MAX_KINDS || !seen.add(kind)) {
            return false;
        }
        log.log(Level.WARNING, message + " (logged once; see the subscriber's counters)");
        return true;
    }
}

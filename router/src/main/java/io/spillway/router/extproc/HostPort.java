package io.spillway.router.extproc;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Endpoint addresses as gateways write them: {@code host:port} with an IPv6 host in brackets ({@code [fd00::1]:8000}),
 * as Envoy's and agentgateway's address parsers require. The router's own pod addresses may carry an IPv6 host
 * unbracketed ({@code fd00::1:8000}): the port is always the part after the last colon, so both forms read back.
 */
final class HostPort {
    private HostPort() {
    }

    /** {@code address} with an IPv6 host bracketed: {@code fd00::1:8000} becomes {@code [fd00::1]:8000}. */
    static String bracketed(String address) {
        if (address.startsWith("[")) {
            return address;
        }
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            return address;
        }
        String host = address.substring(0, colon);
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + address.substring(colon + 1) : address;
    }

    /**
     * The host of an entry a gateway sent, without brackets or port, in one spelling per address (IP literals
     * normalised, so {@code fd00:0::1} and {@code fd00::1} agree; names lower-cased). An entry may be host-only:
     * {@code 10.0.0.1}, {@code fd00::1}, {@code [fd00::1]}.
     */
    static String host(String entry) {
        String e = entry.trim();
        String host;
        if (e.startsWith("[")) {
            int close = e.indexOf(']');
            host = close < 0 ? e.substring(1) : e.substring(1, close);
        } else {
            int first = e.indexOf(':');
            if (first >= 0 && first == e.lastIndexOf(':')) {
                host = e.substring(0, first); // IPv4 or a name with a port
            } else {
                host = e; // host-only: IPv4, a name, or an unbracketed IPv6 literal
            }
        }
        return canonical(host);
    }

    /** The host of one of the router's own pod addresses ({@code host:port}, an IPv6 host bracketed or not). */
    static String podHost(String address) {
        if (address.startsWith("[")) {
            return host(address);
        }
        int colon = address.lastIndexOf(':');
        return canonical(colon < 0 ? address : address.substring(0, colon));
    }

    /** The port of {@code host:port}, or -1 when the entry names none. */
    static int port(String entry) {
        String e = entry.trim();
        int colon = e.lastIndexOf(':');
        if (e.startsWith("[")) {
            int close = e.indexOf(']');
            colon = close >= 0 && colon > close ? colon : -1;
        } else if (colon >= 0 && colon != e.indexOf(':')) {
            return -1; // an unbracketed IPv6 literal: no port can be told apart
        }
        if (colon < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(e.substring(colon + 1));
        } catch (NumberFormatException ex) {
            return -1;
        }
    }

    private static String canonical(String host) {
        if (isIpLiteral(host)) {
            try {
                return InetAddress.getByName(host).getHostAddress(); // a literal: no lookup happens
            } catch (UnknownHostException e) {
                return host.toLowerCase(Locale.ROOT);
            }
        }
        return host.toLowerCase(Locale.ROOT);
    }

    private static boolean isIpLiteral(String host) {
        if (host.isEmpty()) {
            return false;
        }
        if (host.indexOf(':') >= 0) {
            return host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        return host.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.') && host.chars().filter(c -> c == '.')
            .count() == 3;
    }
}

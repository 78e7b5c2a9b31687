package io.spillway.certs;

import io.spillway.identity.CertificateAuthority;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One leaf certificate {@code spillway certs} keeps: the Secret it lives in and what it names, written on the command
 * line as {@code SECRET;cn=NAME;uri=U1,U2;dns=H1,H2} ({@code cn} defaults to the Secret's name; {@code dns} takes
 * host names or IP addresses; at least one {@code uri}, the Spillway identity, is required).
 */
public record LeafSpec(String secret, String commonName, List<String> hosts, List<String> uris) {
    private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    public LeafSpec {
        if (!SECRET_NAME.matcher(secret).matches()) {
            throw new IllegalArgumentException("'" + secret + "' is not a Secret name (lower-case letters, digits, "
                + "'-' and '.', at most 253)");
        }
        if (commonName.isBlank()) {
            throw new IllegalArgumentException("secret " + secret + ": cn is empty");
        }
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("secret " + secret + ": no uri= (the identity, e.g. "
                + "spiffe://spillway/role/node)");
        }
        hosts = List.copyOf(hosts);
        uris = List.copyOf(uris);
    }

    /** What {@link CertificateAuthority#issue} is asked for. */
    public CertificateAuthority.Subject subject() {
        return new CertificateAuthority.Subject(commonName, hosts, uris);
    }

    /** Parses {@code SECRET;cn=NAME;uri=U1,U2;dns=H1,H2}. */
    public static LeafSpec parse(String text) {
        String[] parts = text.split(";", -1);
        String secret = parts[0].trim();
        String cn = secret;
        List<String> hosts = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + part + "' in '" + text + "' is not key=value");
            }
            String key = part.substring(0, eq);
            String value = part.substring(eq + 1);
            switch (key) {
                case "cn" -> cn = value;
                case "dns" -> hosts.addAll(list(value, key, text));
                case "uri" -> uris.addAll(list(value, key, text));
                default -> throw new IllegalArgumentException("unknown key '" + key + "' in '" + text
                    + "' (cn, dns, uri)");
            }
        }
        return new LeafSpec(secret, cn, hosts, uris);
    }

    private static List<String> list(String value, String key, String text) {
        List<String> out = Arrays.stream(value.split(",", -1)).map(String::trim).toList();
        if (out.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("an empty " + key + " in '" + text + "'");
        }
        return out;
    }

    /** The picocli converter of {@code --issue}. */
    public static final class Converter implements ITypeConverter<LeafSpec> {
        @Override
        public LeafSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}

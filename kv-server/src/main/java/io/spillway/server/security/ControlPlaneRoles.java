package io.spillway.server.security;

import io.spillway.identity.Role;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which roles may call each method of the control plane (docs/security.md). A method not listed is refused to
 * every role but admin, so a method added later is closed until someone decides who may call it. Methods that touch
 * one tenant's data (registering a namespace, looking up a prefix, listing namespaces) are checked again against
 * the tenant by the service itself.
 */
final class ControlPlaneRoles {
    private static final Set<Role> ANY = EnumSet.allOf(Role.class);
    private static final Map<String, Set<Role>> ALLOWED = Map.ofEntries(
        Map.entry("spillway.control.v1.Control/Health", ANY),
        Map.entry("spillway.control.v1.Control/Stats", ANY),
        Map.entry("spillway.control.v1.Control/PartitionMap", ANY),
        Map.entry("spillway.control.v1.Control/ListNamespaces", ANY),
        Map.entry("spillway.control.v1.Control/RegisterNamespace", EnumSet.of(Role.CLIENT, Role.ADMIN, Role.NODE)),
        Map.entry("spillway.control.v1.Control/LookupPrefix", EnumSet.of(Role.CLIENT, Role.NODE)),
        Map.entry("spillway.control.v1.Control/ClusterStatus", EnumSet.of(Role.ADMIN, Role.NODE)),
        Map.entry("spillway.control.v1.Control/SetTenantQuota", EnumSet.of(Role.ADMIN)),
        Map.entry("spillway.control.v1.Control/ListTenants", EnumSet.of(Role.ADMIN)),
        Map.entry("spillway.control.v1.Feed/BlockSnapshot", EnumSet.of(Role.ROUTER, Role.ADMIN, Role.NODE)),
        Map.entry("grpc.health.v1.Health/Check", ANY),
        Map.entry("grpc.health.v1.Health/Watch", ANY),
        Map.entry("grpc.health.v1.Health/List", ANY));
    private static final Set<Role> UNLISTED = EnumSet.of(Role.ADMIN);

    private ControlPlaneRoles() {
    }

    /** Whether someone decided who may call {@code fullMethodName}. */
    static boolean listed(String fullMethodName) {
        return ALLOWED.containsKey(fullMethodName);
    }

    /** The roles that may call {@code fullMethodName} ({@code package.Service/Method}). */
    static Set<Role> allowed(String fullMethodName) {
        return ALLOWED.getOrDefault(fullMethodName, UNLISTED);
    }
}

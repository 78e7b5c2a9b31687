package io.spillway.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.FeedGrpc;
import io.spillway.identity.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every method the node serves has its roles written down; a method nobody listed is an admin's only. */
class ControlPlaneRolesTest {
    @Test
    void everyServedMethodIsListedAndAnUnlistedOneIsAdminOnly() {
        List<MethodDescriptor<?, ?>> served = new ArrayList<>();
        served.addAll(ControlGrpc.getServiceDescriptor().getMethods());
        served.addAll(FeedGrpc.getServiceDescriptor().getMethods());
        served.addAll(HealthGrpc.getServiceDescriptor().getMethods());
        Set<Role> unlisted = ControlPlaneRoles.allowed("spillway.control.v1.Control/NotYetWritten");
        assertEquals(Set.of(Role.ADMIN), unlisted);
        for (MethodDescriptor<?, ?> m : served) {
            assertTrue(ControlPlaneRoles.listed(m.getFullMethodName()),
                m.getFullMethodName() + " has no entry in ControlPlaneRoles: decide who may call it");
        }
        assertEquals(Set.of(Role.ADMIN), ControlPlaneRoles.allowed("spillway.control.v1.Control/SetTenantQuota"));
        assertTrue(ControlPlaneRoles.allowed("spillway.control.v1.Feed/BlockSnapshot").contains(Role.ROUTER));
        assertFalse(ControlPlaneRoles.allowed("spillway.control.v1.Control/LookupPrefix").contains(Role.ROUTER),
            "a router learns locations from the feed, not whether a tenant ran a prompt");
    }
}

package io.spillway.bridge.agent;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import jdk.net.ExtendedSocketOptions;

/**
 * Who may talk to the agent: a connecting process's user, as the kernel gives it ({@code SO_PEERCRED}), must be the
 * agent's own or one of its {@code peerUids}. The socket's mode already keeps other users out; this also refuses a
 * process that could open it anyway (root, or a user with the directory's permissions).
 */
final class PeerCheck {
    private final List<UserPrincipal> allowed = new ArrayList<>();

    /** {@code self}: the agent's user; {@code peerUids}: the others allowed. */
    PeerCheck(UserPrincipal self, List<Integer> peerUids) throws IOException {
        allowed.add(self);
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        for (int uid : peerUids) {
            allowed.add(users.lookupPrincipalByName(Integer.toString(uid))); // a number is taken as a uid
        }
    }

    /** The peer's user, or null when the kernel does not say. */
    static UserPrincipal peerOf(SocketChannel channel) {
        try {
            return channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    boolean allows(UserPrincipal peer) {
        return peer != null && allowed.contains(peer);
    }

    @Override
    public String toString() {
        return allowed.toString();
    }
}

package io.spillway.bridge.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The agent's listening socket, created with mode {@code 0600} whatever the umask: it is bound inside a fresh
 * directory of mode {@code 0700} beside its path (so no other user can reach it while its mode is the umask's), set
 * to {@code 0600}, and only then renamed to its path. A stale socket at the path (a dead agent's) is replaced; a live
 * one (another agent answers) or anything that is not a socket is refused, never deleted.
 */
final class AgentSocket {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentSocket() {
    }

    static ServerSocketChannel bind(Path path) throws IOException {
        Path target = path.toAbsolutePath();
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("the agent's socket " + target + " needs an existing directory");
        }
        clearStale(target);
        Path staging = privateDirectory(parent);
        Path inner = staging.resolve("s");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(inner));
            Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rw-------"));
            Files.move(inner, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(inner);
            throw e;
        } finally {
            Files.deleteIfExists(staging);
        }
        return server;
    }

    /**
     * A new directory of mode {@code 0700} in {@code parent}, with a short name ({@code .sw} and 8 letters or
     * digits): a Unix socket's path is at most 107 bytes, and the one bound inside it should be no longer than the
     * agent's own.
     */
    private static Path privateDirectory(Path parent) throws IOException {
        FileAttribute<Set<PosixFilePermission>> owner = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------"));
        for (int attempt = 0; ; attempt++) {
            StringBuilder name = new StringBuilder(".sw");
            for (int i = 0; i < 8; i++) {
                name.append(Character.forDigit(RANDOM.nextInt(36), 36));
            }
            try {
                return Files.createDirectory(parent.resolve(name.toString()), owner);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 16) {
                    throw e;
                }
            }
        }
    }

    /** Removes a dead agent's socket at {@code target}; refuses a live one and anything else. */
    private static void clearStale(Path target) throws IOException {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(target, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isOther()) { // a socket is "other": not a file, directory or link
            throw new IllegalArgumentException("the agent's socket " + target + ": something that is not a socket is "
                + "there; the agent replaces only a stale socket");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(target));
            live = true;
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IllegalArgumentException("the agent's socket " + target + ": another agent is listening there");
        }
        Files.deleteIfExists(target); // nobody answers: a dead agent's
    }
}

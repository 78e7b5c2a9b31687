package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A Java client of the agent's socket (the Python connector has its own): one request line, one answer line. */
public final class AgentConnection implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    public AgentConnection(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(channel);
    }

    /** Sends {@code request} (a JSON object) and returns the answer, whatever its {@code ok}. */
    public synchronized JsonNode call(Object request) throws IOException {
        out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String line = in.readLine();
        if (line == null) {
            throw new IOException("the agent closed the connection");
        }
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

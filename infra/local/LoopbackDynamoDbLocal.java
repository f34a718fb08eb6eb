import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * DynamoDB Local 1.25.1 on 127.0.0.1 only. Its own main builds Jetty with `new Server(port)`, which listens on every
 * interface, and it has no option for the address (docs/decisions.md, entry 42). This launcher takes the same
 * arguments, builds the server the same way, binds its connector to loopback before it starts, and starts it.
 * Run by infra/local/dynamodb-local.ts with Java's single-file source launcher: no build step, no class file.
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
  }
}

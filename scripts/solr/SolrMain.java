// The project-local Solr's launcher (see scripts/lib/solr.ts): a real Solr 9 node — Jetty and the
// complete HTTP API — started from the jars Maven copied into .tools/solr/lib, because the Solr
// tarball is not something setup can fetch through a package manager. Java 17 runs this single
// source file directly: `java -cp ".tools/solr/lib/*" scripts/solr/SolrMain.java <solrHome> <port>`.
//
// JettySolrRunner binds its connector to 127.0.0.1 only (a local dev/test server, no auth), and
// this launcher refuses to report ready if that ever changed. It prints one line,
// `SOLR_READY <baseUrl> in <ms> ms`, once the node accepts requests, and stops Jetty cleanly on
// SIGTERM/SIGINT so the index and the transaction log are closed properly.
package resync.solr;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

public final class SolrMain {
  private SolrMain() {}

  public static void main(String[] args) throws Exception {
    long startedNanos = System.nanoTime();
    if (args.length != 2) {
      System.err.println("usage: SolrMain <solrHome> <port>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    if (!Files.isRegularFile(home.resolve("solr.xml"))) {
      System.err.println("SOLR_FAILED no solr.xml in " + home);
      System.exit(2);
    }
    int port;
    try {
      port = Integer.parseInt(args[1]);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      System.err.println("SOLR_FAILED port must be 1-65535, got " + args[1]);
      System.exit(2);
    }

    JettyConfig config = JettyConfig.builder().setPort(port).setContext("/solr").stopAtShutdown(true).build();
    JettySolrRunner jetty = new JettySolrRunner(home.toString(), config);
    try {
      jetty.start();
    } catch (Exception e) {
      System.err.println("SOLR_FAILED " + e);
      e.printStackTrace();
      System.exit(1);
    }
    String host = jetty.getBaseUrl().getHost();
    if (!"127.0.0.1".equals(host)) {
      System.err.println("SOLR_FAILED listening on " + host + ", expected 127.0.0.1 only");
      jetty.stop();
      System.exit(1);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        jetty.stop();
      } catch (Exception e) {
        System.err.println("error while stopping Solr: " + e);
      }
    }));
    System.out.printf("SOLR_READY %s in %d ms%n", jetty.getBaseUrl(), (System.nanoTime() - startedNanos) / 1_000_000);
    System.out.flush();
    Thread.currentThread().join();
  }
}

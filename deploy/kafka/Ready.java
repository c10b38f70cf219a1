import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Readiness of the local broker as a client sees it: exits 0 once a topic could be created
 * on BOOTSTRAP (then deletes it, and any probe topic an earlier run left), 1 if no topic
 * could be created within SECONDS. An open port
 * is not enough: the broker accepts connections before its controller has a leader and before
 * it has caught up with the metadata log.
 *
 * <p>Usage: {@code java -cp 'LIB/*' Ready BOOTSTRAP SECONDS}
 */
public final class Ready {
    private static final String PREFIX = "__conductor-ready-";

    private Ready() {}

    public static void main(String[] args) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (Double.parseDouble(args[1]) * 1e9);
        Properties settings = new Properties();
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        settings.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        settings.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        settings.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        try (Admin admin = Admin.create(settings)) {
            String topic = PREFIX + UUID.randomUUID();
            String problem = created(admin, topic, deadline);
            if (problem != null) {
                System.err.println("no topic could be created on " + args[0] + " within " + args[1] + " s: " + problem);
                System.exit(1);
            }
            // A probe topic the previous runs could not delete goes now (best effort).
            Set<String> probes = new HashSet<>();
            try {
                for (String name : admin.listTopics().names().get(5, TimeUnit.SECONDS)) {
                    if (name.startsWith(PREFIX)) {
                        probes.add(name);
                    }
                }
            } catch (ExecutionException | TimeoutException failure) {
                probes.add(topic);
            }
            deleted(admin, probes, System.nanoTime() + 30_000_000_000L);
            System.out.println("created " + topic);
        }
    }

    /** Null once the topic exists, else the last problem when the deadline passed. */
    private static String created(Admin admin, String topic, long deadline) throws InterruptedException {
        String problem = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(5, TimeUnit.SECONDS);
                return null;
            } catch (ExecutionException failure) {
                if (failure.getCause() instanceof TopicExistsException) {
                    return null; // an earlier attempt's answer was lost, not its creation
                }
                problem = String.valueOf(failure.getCause());
            } catch (TimeoutException failure) {
                problem = "no answer within 5 s";
            }
            Thread.sleep(100);
        }
        return problem;
    }

    /** Deletes the topics, retrying until the deadline; a failure is a warning on stderr. */
    private static void deleted(Admin admin, Set<String> topics, long deadline) throws InterruptedException {
        String problem = "no answer";
        while (!topics.isEmpty() && System.nanoTime() < deadline) {
            try {
                admin.deleteTopics(topics).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException failure) {
                if (failure.getCause() instanceof UnknownTopicOrPartitionException) {
                    return; // deleted by an attempt whose answer was lost
                }
                problem = String.valueOf(failure.getCause());
            } catch (TimeoutException failure) {
                problem = "no answer within 10 s";
            }
            Thread.sleep(200);
        }
        System.err.println("warning: could not delete the probe topics " + topics + ": " + problem);
    }
}

package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The jobs get their AWS identity the way pods on EKS do, with no static keys anywhere: IRSA (a projected web
 * identity token exchanged at STS) and EKS Pod Identity (container credentials from the node's agent).
 *
 * <p>IRSA: the SDK's default chain reads AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE and calls STS
 * AssumeRoleWithWebIdentity, which needs the {@code sts} module on the class path ("Default credentials provider
 * chain in the AWS SDK for Java 2.x", https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/credentials-chain.html;
 * https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-minimum-sdk.html). Locally the STS
 * endpoint is moto's, named by AWS_ENDPOINT_URL_STS ("Configuring client endpoints in the AWS SDK for Java 2.x",
 * https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/endpoint-config.html).
 *
 * <p>Pod Identity: the agent sets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; the
 * SDK GETs the URI with the file's token as Authorization ("Container credential provider",
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html; Java v2 from 2.21.30,
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html). A loopback HTTP server in the test
 * plays the agent (the SDK allows loopback hosts for a full URI over http).
 */
class WorkloadIdentityIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldRunWithIrsaCredentialsIssuedByStsAndNoStaticKeys() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("irsa", "hard");
        String moto = System.getenv("DDB2SF_S3_ENDPOINT");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            try {
                Instant[] hour = stack.hour();
                for (int i = 0; i < 5; i++) {
                    Fixtures.put(ddb, t.name(), Fixtures.plain("irsa-" + i, String.valueOf(i), i));
                }
                // Stage the partition with the stack's keys: DynamoDB Local keeps one database per access key, so
                // the table is only visible to those keys.
                Cli.Result export = t.cli().run("export-increment", t.name(), hour[0].toString(), hour[1].toString());
                assertThat(export.exitCode()).as(export.stderr()).isZero();

                String suffix = LocalStack.uniqueSuffix();
                String roleArn = "arn:aws:iam::123456789012:role/ddb2sf-it-" + suffix;
                String session = "ddb2sf-it-" + suffix;
                Path token = Files.createTempFile("ddb2sf-it-", ".jwt");
                token.toFile().deleteOnExit();
                String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGRiMnNmOmRkYjJzZiJ9." + suffix;
                Files.writeString(token, jwt);
                Map<String, String> irsa = Map.of(
                        "AWS_REGION", "us-east-1",
                        "AWS_ROLE_ARN", roleArn,
                        "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString(),
                        "AWS_ROLE_SESSION_NAME", session,
                        "AWS_ENDPOINT_URL_STS", moto,
                        // No instance role to fall back on, as in a pod that must not use the node's identity.
                        "AWS_EC2_METADATA_DISABLED", "true");

                motoApi(moto, "recorder/reset-recording");
                motoApi(moto, "recorder/start-recording");
                Cli.Result validate;
                try {
                    validate = t.cli().withEnvironment(irsa).run("stage-validate", t.name(), hour[0].toString(), hour[1].toString());
                } finally {
                    motoApi(moto, "recorder/stop-recording");
                }
                assertThat(validate.exitCode()).as(validate.stderr()).isZero();
                assertThat(validate.summary().get("rows").asLong()).isEqualTo(5);

                // moto issued credentials for exactly this role, to this session ...
                JsonNode assumed = assumedRole(moto, session);
                assertThat(assumed.get("role_arn").asText()).isEqualTo(roleArn);
                String keyId = assumed.get("access_key_id").asText();
                String sessionToken = assumed.get("session_token").asText();
                assertThat(keyId).startsWith("ASIA");

                List<JsonNode> recorded = recording(moto);
                List<JsonNode> sts = recorded.stream().filter(r -> body(r).contains("Action=AssumeRoleWithWebIdentity")).toList();
                assertThat(sts).as("AssumeRoleWithWebIdentity calls").isNotEmpty();
                for (JsonNode call : sts) {
                    assertThat(form(body(call))).containsEntry("RoleArn", roleArn).containsEntry("WebIdentityToken", jwt)
                            .containsEntry("RoleSessionName", session);
                }

                // ... and every S3 request of the job for this test's stage was signed with them.
                List<JsonNode> s3 = recorded.stream().filter(r -> r.get("url").asText().contains(t.prefix())
                        || r.get("url").asText().contains(t.prefix().replace("/", "%2F"))).toList();
                assertThat(s3).as("the job's S3 requests for the partition").isNotEmpty();
                for (JsonNode r : s3) {
                    assertThat(header(r, "Authorization")).as(r.get("url").asText()).contains("Credential=" + keyId + "/");
                    assertThat(header(r, "X-Amz-Security-Token")).isEqualTo(sessionToken);
                }
            } finally {
                ddb.deleteTable(b -> b.tableName(t.name()));
            }
        }
    }

    @Test
    void shouldRunWithEksPodIdentityContainerCredentials() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("podid", "hard");
        String suffix = LocalStack.uniqueSuffix();
        String agentToken = "pod-identity-token-" + suffix;
        String keyId = "ASIAPODIDENTITY" + suffix.toUpperCase();
        String secret = "pod-identity-secret-" + suffix;
        String sessionToken = "pod-identity-session-" + suffix;
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/v1/credentials", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            byte[] body;
            int status;
            if (agentToken.equals(auth)) {
                status = 200;
                body = JSON.writeValueAsBytes(Map.of("AccessKeyId", keyId, "SecretAccessKey", secret, "Token", sessionToken,
                        "AccountId", "123456789012",
                        "Expiration", Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString()));
            } else {
                status = 401;
                body = "{\"Message\":\"bad token\"}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        agent.start();
        // DynamoDB Local keeps one database per access key: a table created with the agent's key is visible only to
        // a job that signs with that key, so the export finding it proves which credentials it used.
        DynamoDbClient podDdb = DynamoDbClient.builder()
                .endpointOverride(URI.create(System.getenv("DDB2SF_DYNAMODB_ENDPOINT"))).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials.create(keyId, secret, sessionToken)))
                .build();
        try (podDdb; DynamoDbClient localDdb = stack.dynamodb()) {
            Fixtures.createTable(podDdb, t.name());
            try {
                assertThat(localDdb.listTables().tableNames()).doesNotContain(t.name());
                Instant[] hour = stack.hour();
                for (int i = 0; i < 4; i++) {
                    Fixtures.put(podDdb, t.name(), Fixtures.plain("pod-" + i, String.valueOf(i), i));
                }
                Path tokenFile = Files.createTempFile("ddb2sf-it-", ".token");
                tokenFile.toFile().deleteOnExit();
                Files.writeString(tokenFile, agentToken);
                Map<String, String> podIdentity = Map.of(
                        "AWS_REGION", "us-east-1",
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + agent.getAddress().getPort() + "/v1/credentials",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile.toString(),
                        "AWS_EC2_METADATA_DISABLED", "true");
                Cli.Result export = t.cli().withEnvironment(podIdentity)
                        .run("export-increment", t.name(), hour[0].toString(), hour[1].toString());
                assertThat(export.exitCode()).as(export.stderr()).isZero();
                assertThat(export.summary().get("rows").asLong()).isEqualTo(4);
                assertThat(authorizations).isNotEmpty().allMatch(agentToken::equals);
            } finally {
                podDdb.deleteTable(b -> b.tableName(t.name()));
            }
        } finally {
            agent.stop(0);
        }
    }

    private static String motoApi(String moto, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(moto + "/moto-api/" + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("moto-api " + path).isEqualTo(200);
        return r.body();
    }

    private static JsonNode assumedRole(String moto, String session) throws IOException, InterruptedException {
        String data = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(moto + "/moto-api/data.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<JsonNode> matches = new ArrayList<>();
        for (JsonNode role : JSON.readTree(data).path("sts").path("AssumedRole")) {
            if (session.equals(role.path("session_name").asText())) {
                matches.add(role);
            }
        }
        assertThat(matches).as("roles moto assumed for session " + session).hasSize(1);
        return matches.get(0);
    }

    private static List<JsonNode> recording(String moto) throws IOException, InterruptedException {
        String lines = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(moto + "/moto-api/recorder/download-recording")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static String body(JsonNode r) {
        String body = r.path("body").asText("");
        if (r.path("body_encoded").asBoolean(false)) {
            byte[] raw = Base64.getDecoder().decode(body);
            return raw.length > 10_000 ? "" : new String(raw, StandardCharsets.UTF_8);
        }
        return body;
    }

    private static String header(JsonNode r, String name) {
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue().asText();
            }
        }
        return "";
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}

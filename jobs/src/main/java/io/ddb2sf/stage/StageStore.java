package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The stage bucket: whole-object reads and writes, conditional writes for state, sha-256 of everything. */
public final class StageStore {
    private final S3Client s3;
    private final String bucket;

    public StageStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public String bucket() {
        return bucket;
    }

    /** Uploads a local file and returns its size and sha-256 as written. */
    public StoredObject putFile(String key, Path file) {
        return putFile(key, file, sha256(file));
    }

    /** Uploads a local file whose sha-256 the caller computed as it wrote the file. */
    public StoredObject putFile(String key, Path file, String sha) {
        long size = size(file);
        call("write s3://" + bucket + "/" + key, () -> s3.putObject(
                PutObjectRequest.builder().bucket(bucket).key(key).contentLength(size).build(),
                RequestBody.fromFile(file)));
        return new StoredObject(key, size, sha);
    }

    public void putBytes(String key, byte[] bytes) {
        call("write s3://" + bucket + "/" + key, () -> s3.putObject(
                PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(bytes)));
    }

    /**
     * Writes only if the object is still at {@code expectedEtag} (or absent, when empty). Returns false when another
     * writer got there first, so callers can report the conflict instead of overwriting it.
     */
    public boolean putIfUnchanged(String key, byte[] bytes, Optional<String> expectedEtag) {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key);
        expectedEtag.ifPresentOrElse(req::ifMatch, () -> req.ifNoneMatch("*"));
        try {
            s3.putObject(req.build(), RequestBody.fromBytes(bytes));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw failed("write s3://" + bucket + "/" + key, e);
        } catch (SdkException e) {
            throw failed("write s3://" + bucket + "/" + key, e);
        }
    }

    /** The object's bytes and ETag, or empty when it does not exist. */
    public Optional<Versioned> get(String key) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            return Optional.of(new Versioned(in.readAllBytes(), in.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException | IOException e) {
            throw failed("read s3://" + bucket + "/" + key, e);
        }
    }

    /**
     * The object's bytes as a stream, or empty when it does not exist; for objects too large to hold in memory. The
     * caller closes it.
     */
    public Optional<InputStream> open(String key) {
        try {
            return Optional.of(s3.getObject(b -> b.bucket(bucket).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failed("read s3://" + bucket + "/" + key, e);
        }
    }

    /** Streams the object into a local file; returns empty when it does not exist. */
    public Optional<StoredObject> download(String key, Path target) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
             DigestInputStream digest = new DigestInputStream(in, sha256Digest());
             OutputStream out = Files.newOutputStream(target)) {
            long size = digest.transferTo(out);
            return Optional.of(new StoredObject(key, size, HexFormat.of().formatHex(digest.getMessageDigest().digest())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException | IOException e) {
            throw failed("read s3://" + bucket + "/" + key, e);
        }
    }

    public List<S3Object> list(String prefix) {
        return call("list s3://" + bucket + "/" + prefix,
                () -> s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream().toList());
    }

    /** The objects under {@code prefix} whose keys sort after {@code startAfter}, in key order. */
    public List<S3Object> listAfter(String prefix, String startAfter) {
        return call("list s3://" + bucket + "/" + prefix,
                () -> s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).startAfter(startAfter))
                        .contents().stream().toList());
    }

    /** The folders (keys up to the next slash) directly under {@code prefix}, without listing what they hold. */
    public List<String> folders(String prefix) {
        return call("list s3://" + bucket + "/" + prefix,
                () -> s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).delimiter("/"))
                        .commonPrefixes().stream().map(p -> p.prefix()).toList());
    }

    public void delete(String key) {
        call("delete s3://" + bucket + "/" + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256Digest())) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot read local file " + file + ": " + e.getMessage(), e);
        }
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot read local file " + file + ": " + e.getMessage(), e);
        }
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T call(String what, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            throw failed(what, e);
        }
    }

    private JobException failed(String what, Exception e) {
        return new JobException(ErrorCode.STAGE_FAILED, "cannot " + what + ": " + JobException.firstLine(e)
                + " (check the stage bucket exists, the endpoint is reachable and the role may read and write it; then rerun)", e);
    }

    public record StoredObject(String key, long size, String sha256) {}

    public record Versioned(byte[] bytes, String etag) {}
}

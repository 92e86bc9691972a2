package io.streamllm.server;

/**
 * A request the server refuses, answered in OpenAI's error format:
 * {@code {"error":{"message":..., "type":..., "param":..., "code":...}}}.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;

    /**
     * @param status  the HTTP status
     * @param type    OpenAI's error type ("invalid_request_error", "authentication_error", ...)
     * @param message what is wrong, for the client
     * @param param   the request field at fault, or null
     * @param code    a machine-readable code, or null
     */
    public ApiError(int status, String type, String message, String param, String code) {
        this(status, type, message, param, code, 0);
    }

    private ApiError(int status, String type, String message, String param, String code, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, "invalid_value");
    }

    /** 400: the body is not what the endpoint reads (not JSON, not UTF-8, not an object). */
    public static ApiError badBody(String message) {
        return new ApiError(400, "invalid_request_error", message, null, "invalid_body");
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "authentication_error", message, null, "invalid_api_key");
    }

    public static ApiError notFound(String message, String param, String code) {
        return new ApiError(404, "invalid_request_error", message, param, code);
    }

    /** 409: another request is using the session. */
    public static ApiError conflict(String message) {
        return new ApiError(409, "invalid_request_error", message, null, "session_busy");
    }

    /** 409 with Retry-After: the session stayed busy for as long as a request may wait for it. */
    public static ApiError conflict(String message, long retryAfterSeconds) {
        return new ApiError(409, "invalid_request_error", message, null, "session_busy", retryAfterSeconds);
    }

    /** 400, 408: the client stopped sending its body, or sent it too slowly; nobody may be left to read the answer. */
    public static ApiError clientAborted(boolean timedOut, String message) {
        return timedOut ? new ApiError(408, "invalid_request_error", message, null, "request_timeout")
                : new ApiError(400, "invalid_request_error", message, null, "client_aborted");
    }

    /** 415: a JSON endpoint got a body that does not say it is JSON. */
    public static ApiError notJson(String contentType) {
        return new ApiError(415, "invalid_request_error", "the request body must be JSON, sent with 'Content-Type:"
                + " application/json'" + (contentType == null ? " (it had no Content-Type)" : ", not '" + contentType + "'"),
                null, "unsupported_media_type");
    }

    public static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error",
                "the request body is larger than the server's limit of " + limit + " bytes (serve --max-body)", null,
                "request_too_large");
    }

    /** 503: the server cannot take the request now (model loading, no room for a session). */
    public static ApiError unavailable(String message, String code) {
        return new ApiError(503, "server_error", message, null, code);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds after which a retry may succeed (the Retry-After header), or 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

package io.streamllm.server;

/**
 * A request the server refuses, answered in OpenAI's error format:
 * {@code {"error":{"message":..., "type":..., "param":..., "code":...}}}.
 *
 * @param status  the HTTP status
 * @param type    OpenAI's error type ("invalid_request_error", "authentication_error", ...)
 * @param param   the request field at fault, or null
 * @param code    a machine-readable code, or null
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
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
}

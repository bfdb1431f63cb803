package io.ddb2sf;

/** A failure with a message that names what is wrong and what to do; the CLI prints it as one line. */
public class JobException extends RuntimeException {
    private final ErrorCode code;

    public JobException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public JobException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}

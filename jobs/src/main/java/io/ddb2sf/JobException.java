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

    /** The first line of a cause's message (its class name when it has none), for one-line errors. */
    public static String firstLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
    }
}

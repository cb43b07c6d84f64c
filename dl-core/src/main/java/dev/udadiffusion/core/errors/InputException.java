package dev.udadiffusion.core.errors;

/**
 * A failure caused by what the user gave (a file, a config key, an option value), not by a bug: the message is one
 * complete line naming the file, key or option and what is allowed, so a command line can print it as it is. The
 * kinds are subclasses: {@code Configs.ConfigException}, {@code SafetensorsException}, {@code StateDictException},
 * {@link DataException}. It is an {@link IllegalArgumentException}: the user's argument is what is wrong.
 */
public class InputException extends IllegalArgumentException {

    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.smelt.hub.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.hub.HubHttpException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;

/** Turns a Hub error response into one sentence naming the repository / revision / file and what to do. */
public final class HubErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HubErrors() {}

    public static HubHttpException toException(int status, HttpHeaders headers, byte[] body, RequestTarget t,
            String endpoint, boolean tokenSent) {
        String code = headers.firstValue("X-Error-Code").orElse(null);
        String serverMsg = headers.firstValue("X-Error-Message").orElse(null);
        if (serverMsg == null) serverMsg = bodyMessage(body);
        String what = t.describeRepo();
        String msg;
        if ("GatedRepo".equals(code) || (status == 403 && serverMsg != null && serverMsg.toLowerCase().contains("gated"))) {
            msg = what + " is a gated repository: accept its licence at " + endpoint + "/" + t.type().urlPrefix() + t.repo()
                    + " while logged in, then retry with a token of that account (--token or HF_TOKEN)";
        } else if (status == 401) {
            if ("RepoNotFound".equals(code) || !tokenSent) {
                msg = tokenSent
                        ? "the Hugging Face token was rejected for " + what + " (401): it is invalid or expired, or the repository does not exist"
                        : "authentication required for " + what + " (401): it is private, gated or does not exist;"
                                + " pass --token, set HF_TOKEN or write the token to $HF_HOME/token";
            } else {
                msg = "the Hugging Face token was rejected for " + what + " (401 Unauthorized): check --token / HF_TOKEN / $HF_HOME/token";
            }
        } else if (status == 403) {
            msg = "access to " + what + " denied (403)" + (serverMsg != null ? ": " + serverMsg : "")
                    + (tokenSent ? "; the token may lack the needed (write) permission" : "; pass a token with access");
        } else if (status == 404) {
            if ("RevisionNotFound".equals(code)) {
                msg = "revision '" + t.revision() + "' not found in " + what;
            } else if ("EntryNotFound".equals(code) || (code == null && t.file() != null)) {
                msg = "file '" + t.file() + "' not found in " + what + (t.revision() != null ? " at revision '" + t.revision() + "'" : "");
            } else {
                msg = what + " not found at " + endpoint + (t.revision() != null && !"RepoNotFound".equals(code)
                        ? " (or its revision '" + t.revision() + "' does not exist)" : "");
            }
        } else if (status == 416) {
            msg = "the server refused the byte range requested for '" + t.file() + "' in " + what + " (416)";
        } else {
            msg = "the Hub answered HTTP " + status + " for " + what
                    + (t.file() != null ? " file '" + t.file() + "'" : "")
                    + (serverMsg != null ? ": " + serverMsg : "");
        }
        return new HubHttpException(status, code, headers.firstValue("X-Repo-Commit").orElse(null), oneLine(msg));
    }

    private static String bodyMessage(byte[] body) {
        if (body == null || body.length == 0) return null;
        String s = new String(body, 0, Math.min(body.length, 2000), StandardCharsets.UTF_8).strip();
        try {
            JsonNode n = JSON.readTree(s);
            if (n != null && n.hasNonNull("error")) return n.get("error").asText();
        } catch (Exception ignored) {
            // not JSON: use the text
        }
        return s.isEmpty() || s.startsWith("<") ? null : (s.length() > 300 ? s.substring(0, 300) + "…" : s);
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}

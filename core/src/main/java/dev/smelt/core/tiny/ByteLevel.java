package dev.smelt.core.tiny;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2 / Qwen byte-level alphabet: every byte maps to one printable Unicode character so byte strings can
 * be BPE vocabulary entries ({@code ' '} becomes {@code 'Ġ'}, {@code '\n'} becomes {@code 'Ċ'}). Token ids
 * 0..255 of byte-level vocabularies are these characters in this order.
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] ORDER = new int[256];

    static {
        List<Integer> bs = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) bs.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) bs.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) bs.add(b);
        List<Integer> cs = new ArrayList<>(bs);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!bs.contains(b)) {
                bs.add(b);
                cs.add(256 + n++);
            }
        }
        for (int i = 0; i < 256; i++) {
            BYTE_TO_CHAR[bs.get(i)] = (char) (int) cs.get(i);
            ORDER[i] = bs.get(i);
        }
    }

    private ByteLevel() {}

    /** The character standing for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xff];
    }

    /** The byte whose character has vocabulary id {@code id} (0..255). */
    public static int byteAtId(int id) {
        return ORDER[id];
    }

    /** Byte-level spelling of raw bytes. */
    public static String encode(byte[] bytes) {
        StringBuilder b = new StringBuilder(bytes.length);
        for (byte x : bytes) b.append(BYTE_TO_CHAR[x & 0xff]);
        return b.toString();
    }
}

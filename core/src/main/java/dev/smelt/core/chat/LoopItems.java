package dev.smelt.core.chat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The item lists of the {@code for} loops running on this thread, innermost on top, so
 * {@code loop.previtem}/{@code loop.nextitem} can look at their neighbours (Jinjava's loop object only
 * holds an iterator).
 */
final class LoopItems {
    private static final ThreadLocal<Deque<List<Object>>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private LoopItems() {}

    static void push(List<Object> items) {
        STACK.get().push(items);
    }

    static void pop() {
        STACK.get().pop();
    }

    static List<Object> current() {
        return STACK.get().peek();
    }
}

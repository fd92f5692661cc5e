package dev.smelt.trainer.sft;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.trainer.SettingException;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.SequenceSet;
import dev.smelt.datasets.tokenize.TokenizedExample;
import dev.smelt.datasets.image.ImageRef;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The rows a run trains and validates on, already tokenized, masked and (optionally) packed, and the chat template
 * variables they were rendered with (recorded with the adapter, so the model is prompted the way it was trained).
 */
public record TrainingRows(List<TrainingSequence> train, List<TrainingSequence> validation,
                           ChatTemplateKwargs chatTemplateKwargs) {
    public TrainingRows(List<TrainingSequence> train, List<TrainingSequence> validation) {
        this(train, validation, ChatTemplateKwargs.NONE);
    }

    /** Rows of a prepared data set, read on demand from its token store (nothing is copied). */
    public static TrainingRows of(PreparedData prepared) {
        return new TrainingRows(view(prepared.train()), view(prepared.validation()), prepared.chatTemplateKwargs());
    }

    private static List<TrainingSequence> view(SequenceSet set) {
        if (set == null) return List.of();
        return new AbstractList<>() {
            public TrainingSequence get(int i) {
                return set.get(i);
            }

            public int size() {
                return set.size();
            }
        };
    }

    /** Checks the rows against the model's context and refuses data that trains nothing. */
    public void validate(int seqLen, int modelContext) {
        if (seqLen > modelContext) {
            throw new SettingException("{seqLen} " + seqLen + " exceeds the model's context (max_position_embeddings "
                    + modelContext + ")");
        }
        if (train.isEmpty()) throw new SmeltException("the training set is empty");
        long trainable = 0;
        for (TrainingSequence s : train) {
            if (s.length() > seqLen) {
                throw new SettingException("a training row has " + s.length() + " tokens, more than {seqLen} " + seqLen);
            }
            trainable += trainableTokens(s);
        }
        if (trainable == 0) {
            throw new SmeltException("the training set has zero trainable tokens after masking "
                    + "(every label is -100: check the train-on setting and that examples have responses)");
        }
    }

    /** Labels that count in the loss: position i predicts label i+1 (labels are unshifted). */
    public static int trainableTokens(TrainingSequence s) {
        int n = 0;
        int[] l = s.labels();
        for (int i = 1; i < l.length; i++) if (l[i] != TokenizedExample.IGNORE) n++;
        return n;
    }

    /** A checksum of the rows, so that a resume on different data is refused. */
    public String fingerprint() {
        CRC32 crc = new CRC32();
        for (List<TrainingSequence> part : List.of(train, validation)) {
            for (TrainingSequence s : part) {
                for (int[] a : new int[][] {s.inputIds(), s.labels(), s.segmentIds()}) {
                    for (int v : a) {
                        crc.update(v >>> 24);
                        crc.update(v >>> 16);
                        crc.update(v >>> 8);
                        crc.update(v);
                    }
                }
                for (ImageRef img : s.images()) {
                    byte[] b = (img.file() + "@" + img.rows() + "x" + img.cols()).getBytes(StandardCharsets.UTF_8);
                    crc.update(b, 0, b.length);
                }
                crc.update(0xff);
            }
            crc.update(0xfe);
        }
        return train.size() + "/" + validation.size() + "/" + Long.toHexString(crc.getValue());
    }
}

package dev.smelt.quantizer.block;

/**
 * The scale (and min) searches of ggml-quants.c, ported operation for operation in float arithmetic so the
 * chosen levels match llama.cpp bit for bit: {@code nearest_int}, {@code make_qx_quants},
 * {@code make_q3_quants}, {@code make_qkx2_quants}, {@code make_qkx3_quants}, {@code make_qp_quants} and
 * {@code best_index_int8}. Each works on {@code n} values starting at {@code x[xo]} and writes levels to
 * {@code L[lo..]}. Do not "simplify" expressions: float results depend on the order of operations.
 */
final class ScaleSearch {
    private ScaleSearch() {}

    static final float GROUP_MAX_EPS = 1e-15f;

    /** Round half to even via the 1.5·2^23 trick, valid for |v| ≤ 4194303. */
    static int nearestInt(float v) {
        float val = v + 12582912.f;
        int i = Float.floatToRawIntBits(val);
        return (i & 0x007fffff) - 0x00400000;
    }

    /** 1.5·2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, halves to even. */
    private static final float ROUND = 12582912.f;

    /**
     * {@code (float) nearestInt(v)} for |v| < 2^22 without leaving float registers: (v + 1.5·2^23) is rounded to a
     * whole number (ties to even) and subtracting 1.5·2^23 again is exact.
     */
    private static final float RINT_MAX = 4194303.f;

    private static float rint(float v) {
        return (v + ROUND) - ROUND;
    }

    /** {@code v} limited to [lo, hi] for a whole-number v (never NaN or -0, so plain comparisons are exact). */
    private static float clamp(float v, float lo, float hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }

    /** Whether {@code x[xo..xo+n)} are all finite (the float-register fast paths assume it; NaN/inf take the generic path). */
    private static boolean finite(float[] x, int xo, int n) {
        float s = 0;
        for (int i = 0; i < n; ++i) s += x[xo + i] * 0.f;
        return s == 0;
    }

    /** Symmetric levels in [0, 2·nmax); qw null means the rmse_type weighting. Returns the scale. */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lo, int rmseType, float[] qw, int qo) {
        if (rmseType > 0 && finite(x, xo, n) && (qw == null || finite(qw, qo, n))) {
            return makeQxQuantsSearch(n, nmax, x, xo, L, lo, rmseType, qw, qo);
        }
        return makeQxQuantsGeneric(n, nmax, x, xo, L, lo, rmseType, qw, qo);
    }

    /**
     * make_qx_quants with rmse_type &gt; 0 on finite values: the same float operations in the same order per trial
     * scale as {@link #makeQxQuantsGeneric}, with levels kept in float registers (|iscale·x| ≤ nmax + 1, so
     * {@link #rint} equals nearest_int) and two trial scales summed per pass over the group (each trial's sums are
     * separate chains, so the pass runs twice as many additions in flight). The trials do not depend on one another,
     * only the choice does, and that is still made trial by trial in C's order.
     */
    private static float makeQxQuantsSearch(int n, int nmax, float[] x, int xo, byte[] L, int lo, int rmseType,
            float[] qw, int qo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            return 0.f;
        }
        float lo_ = -nmax;
        float hi = nmax - 1;
        float iscale = -nmax / max;
        float[] w = new float[n];
        for (int i = 0; i < n; ++i) w[i] = weight(qw, qo + i, rmseType, x[xo + i]);
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xo + i];
            float l = clamp(rint(iscale * xi), lo_, hi);
            L[lo + i] = (byte) ((int) l + nmax);
            sumlx += w[i] * xi * l;
            suml2 += w[i] * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        // trial scales is = -9..-1, 1..9, two per pass
        for (int t = 0; t < 18; t += 2) {
            int isA = t < 9 ? t - 9 : t - 8;
            int isB = t + 1 < 9 ? t - 8 : t - 7;
            float iscaleA = -(nmax + 0.1f * isA) / max;
            float iscaleB = -(nmax + 0.1f * isB) / max;
            float sumlxA = 0, suml2A = 0, sumlxB = 0, suml2B = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                float wi = w[i];
                float lA = clamp(rint(iscaleA * xi), lo_, hi);
                float lB = clamp(rint(iscaleB * xi), lo_, hi);
                sumlxA += wi * xi * lA;
                suml2A += wi * lA * lA;
                sumlxB += wi * xi * lB;
                suml2B += wi * lB * lB;
            }
            if (suml2A > 0 && sumlxA * sumlxA > best * suml2A) {
                for (int i = 0; i < n; ++i) {
                    L[lo + i] = (byte) (nmax + (int) clamp(rint(iscaleA * x[xo + i]), lo_, hi));
                }
                scale = sumlxA / suml2A;
                best = scale * sumlxA;
            }
            if (suml2B > 0 && sumlxB * sumlxB > best * suml2B) {
                for (int i = 0; i < n; ++i) {
                    L[lo + i] = (byte) (nmax + (int) clamp(rint(iscaleB * x[xo + i]), lo_, hi));
                }
                scale = sumlxB / suml2B;
                best = scale * sumlxB;
            }
        }
        return scale;
    }

    /** make_qx_quants operation for operation (any rmse_type, any values). */
    static float makeQxQuantsGeneric(int n, int nmax, float[] x, int xo, byte[] L, int lo, int rmseType, float[] qw, int qo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        if (rmseType == 0) {
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscale * x[xo + i]);
                L[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
            }
            return 1 / iscale;
        }
        boolean returnEarly = false;
        if (rmseType < 0) {
            rmseType = -rmseType;
            returnEarly = true;
        }
        // the weights do not change between trial scales: computed once (same float values, same sums)
        float[] w = new float[n];
        for (int i = 0; i < n; ++i) w[i] = weight(qw, qo + i, rmseType, x[xo + i]);
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xo + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = (byte) (l + nmax);
            sumlx += w[i] * xi * l;
            suml2 += w[i] * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly) return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; ++is) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                sumlx += w[i] * xi * l;
                suml2 += w[i] * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; ++i) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    private static float weight(float[] qw, int qi, int rmseType, float xi) {
        if (qw != null) return qw[qi];
        return switch (rmseType) {
            case 1 -> xi * xi;
            case 2 -> 1;
            case 3 -> Math.abs(xi);
            default -> (float) Math.sqrt(Math.abs(xi));
        };
    }

    /** Q3_K's symmetric search with the iterative per-element refinement (do_rmse). L holds signed levels + nmax. */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, byte[] L, int lo, boolean doRmse) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        if (doRmse) {
            float sumlx = 0;
            float suml2 = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                L[lo + i] = (byte) l;
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            for (int itry = 0; itry < 5; ++itry) {
                int nChanged = 0;
                for (int i = 0; i < n; ++i) {
                    float xi = x[xo + i];
                    float w = xi * xi;
                    int li = L[lo + i];
                    float slx = sumlx - w * xi * li;
                    if (slx > 0) {
                        float sl2 = suml2 - w * li * li;
                        int newL = nearestInt(xi * sl2 / slx);
                        newL = Math.max(-nmax, Math.min(nmax - 1, newL));
                        if (newL != li) {
                            slx += w * xi * newL;
                            sl2 += w * newL * newL;
                            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                                L[lo + i] = (byte) newL;
                                sumlx = slx;
                                suml2 = sl2;
                                ++nChanged;
                            }
                        }
                    }
                }
                if (nChanged == 0) break;
            }
            for (int i = 0; i < n; ++i) L[lo + i] += nmax;
            return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
        }
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * x[xo + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = (byte) (l + nmax);
        }
        return 1 / iscale;
    }

    /**
     * Asymmetric levels in [0, nmax] with a min (make_qkx2_quants; weights required). Returns the scale;
     * {@code theMin[mo]} receives the (positive) min to subtract. {@code aux} is scratch of n bytes.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int wo, byte[] L, int lo,
            float[] theMin, int mo, byte[] aux, float rmin, float rdelta, int nstep, boolean useMad) {
        return makeQkxQuants(n, nmax, x, xo, weights, wo, L, lo, theMin, mo, aux, rmin, rdelta, nstep, useMad, false);
    }

    /**
     * make_qkx2_quants with use_mad false for two groups of {@code n} finite values at once (groups a and b of a
     * K-quant super-block, each with its own weights, levels and min): every float operation of each group is the
     * one {@link #makeQkx2Quants} does, in the same order, with levels kept in float registers ({@link #rint}; the
     * levels stay within ±(nmax + 2) so it equals nearest_int) and the two groups' sums and errors computed in the
     * same passes, so twice as many independent additions are in flight. Group results go to {@code scales[ja]},
     * {@code theMin[ja]} and {@code scales[jb]}, {@code theMin[jb]}. Falls back to two {@link #makeQkx2Quants} calls
     * when a group is constant or not finite. {@code auxA}/{@code auxB} are scratch of n floats.
     */
    static void makeQkx2Pair(int n, int nmax, float[] x, int xa, int xb, float[] wA, float[] wB, byte[] L, int la, int lb,
            float[] scales, float[] theMin, int ja, int jb, float[] auxA, float[] auxB, byte[] aux, float rmin,
            float rdelta, int nstep) {
        if (nstep < 1 || !finite(x, xa, n) || !finite(x, xb, n) || !finite(wA, 0, n) || !finite(wB, 0, n)) {
            scales[ja] = makeQkx2Quants(n, nmax, x, xa, wA, 0, L, la, theMin, ja, aux, rmin, rdelta, nstep, false);
            scales[jb] = makeQkx2Quants(n, nmax, x, xb, wB, 0, L, lb, theMin, jb, aux, rmin, rdelta, nstep, false);
            return;
        }
        float minA = x[xa], maxA = x[xa], minB = x[xb], maxB = x[xb];
        float sumWA = wA[0], sumWB = wB[0];
        float sumXA = sumWA * x[xa], sumXB = sumWB * x[xb];
        for (int i = 1; i < n; ++i) {
            float ai = x[xa + i];
            float bi = x[xb + i];
            if (ai < minA) minA = ai;
            if (ai > maxA) maxA = ai;
            if (bi < minB) minB = bi;
            if (bi > maxB) maxB = bi;
            sumWA += wA[i];
            sumXA += wA[i] * ai;
            sumWB += wB[i];
            sumXB += wB[i] * bi;
        }
        float lowA = minA, lowB = minB;
        if (minA > 0) minA = 0;
        if (minB > 0) minB = 0;
        if (maxA == minA || maxB == minB) {
            scales[ja] = makeQkx2Quants(n, nmax, x, xa, wA, 0, L, la, theMin, ja, aux, rmin, rdelta, nstep, false);
            scales[jb] = makeQkx2Quants(n, nmax, x, xb, wB, 0, L, lb, theMin, jb, aux, rmin, rdelta, nstep, false);
            return;
        }
        float top = nmax;
        float iscaleA = nmax / (maxA - minA);
        float iscaleB = nmax / (maxB - minB);
        float scaleA = 1 / iscaleA;
        float scaleB = 1 / iscaleB;
        float bestA = 0, bestB = 0;
        for (int i = 0; i < n; ++i) {
            float ai = x[xa + i];
            float bi = x[xb + i];
            float lA = clamp(rint(iscaleA * (ai - minA)), 0.f, top);
            float lB = clamp(rint(iscaleB * (bi - minB)), 0.f, top);
            auxA[i] = lA;
            auxB[i] = lB;
            float dA = scaleA * lA + minA - ai;
            float dB = scaleB * lB + minB - bi;
            bestA += wA[i] * (dA * dA);
            bestB += wB[i] * (dB * dB);
        }
        // the levels found so far (auxA/auxB become trial scratch: the current best levels are in these)
        float[] bestLA = new float[n];
        float[] bestLB = new float[n];
        System.arraycopy(auxA, 0, bestLA, 0, n);
        System.arraycopy(auxB, 0, bestLB, 0, n);
        for (int is = 0; is <= nstep; ++is) {
            iscaleA = (rmin + rdelta * is + nmax) / (maxA - minA);
            iscaleB = (rmin + rdelta * is + nmax) / (maxB - minB);
            if (!(Math.abs(iscaleA * (lowA - minA)) < RINT_MAX && Math.abs(iscaleB * (lowB - minB)) < RINT_MAX)) {
                // a fitted min far from the values: nearest_int's bit trick is outside its range, do exactly what C does
                scales[ja] = makeQkx2Quants(n, nmax, x, xa, wA, 0, L, la, theMin, ja, aux, rmin, rdelta, nstep, false);
                scales[jb] = makeQkx2Quants(n, nmax, x, xb, wB, 0, L, lb, theMin, jb, aux, rmin, rdelta, nstep, false);
                return;
            }
            float sumLA = 0, sumL2A = 0, sumXlA = 0, sumLB = 0, sumL2B = 0, sumXlB = 0;
            for (int i = 0; i < n; ++i) {
                float ai = x[xa + i];
                float bi = x[xb + i];
                float lA = clamp(rint(iscaleA * (ai - minA)), 0.f, top);
                float lB = clamp(rint(iscaleB * (bi - minB)), 0.f, top);
                auxA[i] = lA;
                auxB[i] = lB;
                float wlA = wA[i] * lA;
                float wlB = wB[i] * lB;
                sumLA += wlA;
                sumL2A += wlA * lA;
                sumXlA += wlA * ai;
                sumLB += wlB;
                sumL2B += wlB * lB;
                sumXlB += wlB * bi;
            }
            float dA = sumWA * sumL2A - sumLA * sumLA;
            float dB = sumWB * sumL2B - sumLB * sumLB;
            float scA = 0, mnA = 0, scB = 0, mnB = 0;
            if (dA > 0) {
                scA = (sumWA * sumXlA - sumXA * sumLA) / dA;
                mnA = (sumL2A * sumXA - sumLA * sumXlA) / dA;
                if (mnA > 0) {
                    mnA = 0;
                    scA = sumXlA / sumL2A;
                }
            }
            if (dB > 0) {
                scB = (sumWB * sumXlB - sumXB * sumLB) / dB;
                mnB = (sumL2B * sumXB - sumLB * sumXlB) / dB;
                if (mnB > 0) {
                    mnB = 0;
                    scB = sumXlB / sumL2B;
                }
            }
            float errA = 0, errB = 0;
            if (dA > 0 && dB > 0) {
                for (int i = 0; i < n; ++i) {
                    float eA = scA * auxA[i] + mnA - x[xa + i];
                    float eB = scB * auxB[i] + mnB - x[xb + i];
                    errA += wA[i] * (eA * eA);
                    errB += wB[i] * (eB * eB);
                }
            } else if (dA > 0) {
                for (int i = 0; i < n; ++i) {
                    float eA = scA * auxA[i] + mnA - x[xa + i];
                    errA += wA[i] * (eA * eA);
                }
            } else if (dB > 0) {
                for (int i = 0; i < n; ++i) {
                    float eB = scB * auxB[i] + mnB - x[xb + i];
                    errB += wB[i] * (eB * eB);
                }
            }
            if (dA > 0 && errA < bestA) {
                System.arraycopy(auxA, 0, bestLA, 0, n);
                bestA = errA;
                scaleA = scA;
                minA = mnA;
            }
            if (dB > 0 && errB < bestB) {
                System.arraycopy(auxB, 0, bestLB, 0, n);
                bestB = errB;
                scaleB = scB;
                minB = mnB;
            }
        }
        for (int i = 0; i < n; ++i) {
            L[la + i] = (byte) (int) bestLA[i];
            L[lb + i] = (byte) (int) bestLB[i];
        }
        scales[ja] = scaleA;
        theMin[ja] = -minA;
        scales[jb] = scaleB;
        theMin[jb] = -minB;
    }

    /** make_qkx3_quants: as qkx2 but weights may be null (then x²) and an all-equal group tests max ≤ min. */
    static float makeQkx3Quants(int n, int nmax, float[] x, int xo, float[] weights, int wo, byte[] L, int lo,
            float[] theMin, int mo, byte[] aux, float rmin, float rdelta, int nstep, boolean useMad) {
        return makeQkxQuants(n, nmax, x, xo, weights, wo, L, lo, theMin, mo, aux, rmin, rdelta, nstep, useMad, true);
    }

    private static float makeQkxQuants(int n, int nmax, float[] x, int xo, float[] weights, int wo, byte[] L, int lo,
            float[] theMin, int mo, byte[] aux, float rmin, float rdelta, int nstep, boolean useMad, boolean v3) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights != null ? weights[wo] : x[xo] * x[xo];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; ++i) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights != null ? weights[wo + i] : xi * xi;
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (v3 ? max <= min : max == min) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            theMin[mo] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xo + i];
            int l = nearestInt(iscale * (xi - min));
            int li = Math.max(0, Math.min(nmax, l));
            L[lo + i] = (byte) li;
            float diff = scale * li + min - xi;
            diff = useMad ? Math.abs(diff) : diff * diff;
            float w = weights != null ? weights[wo + i] : xi * xi;
            bestError += w * diff;
        }
        if (nstep < 1) {
            theMin[mo] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; ++is) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * (xi - min));
                l = Math.max(0, Math.min(nmax, l));
                aux[i] = (byte) l;
                float w = weights != null ? weights[wo + i] : xi * xi;
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * xi;
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; ++i) {
                    float xi = x[xo + i];
                    float diff = thisScale * (aux[i] & 0xFF) + thisMin - xi;
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    float w = weights != null ? weights[wo + i] : xi * xi;
                    curError += w * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[mo] = -min;
        return scale;
    }

    /** Positive-only levels in [0, nmax] for the super-block scales of the weighted K-quants (make_qp_quants). */
    static float makeQpQuants(int n, int nmax, float[] x, byte[] L, float[] quantWeights) {
        float max = 0;
        for (int i = 0; i < n; ++i) max = max > x[i] ? max : x[i]; // C's MAX macro, not Math.max (signed zeros)
        if (max < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) L[i] = 0;
            return 0.f;
        }
        float iscale = nmax / max;
        for (int i = 0; i < n; ++i) L[i] = (byte) nearestInt(iscale * x[i]);
        float scale = 1 / iscale;
        float bestMse = 0;
        for (int i = 0; i < n; ++i) {
            float diff = x[i] - scale * (L[i] & 0xFF);
            float w = quantWeights[i];
            bestMse += w * diff * diff;
        }
        for (int is = -4; is <= 4; ++is) {
            if (is == 0) continue;
            float iscaleIs = (0.1f * is + nmax) / max;
            float scaleIs = 1 / iscaleIs;
            float mse = 0;
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscaleIs * x[i]);
                l = Math.min(nmax, l);
                float diff = x[i] - scaleIs * l;
                float w = quantWeights[i];
                mse += w * diff * diff;
            }
            if (mse < bestMse) {
                bestMse = mse;
                iscale = iscaleIs;
            }
        }
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * x[i]);
            l = Math.min(nmax, l);
            L[i] = (byte) l;
            float w = quantWeights[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; ++itry) {
            int nChanged = 0;
            for (int i = 0; i < n; ++i) {
                float w = quantWeights[i];
                int li = L[i] & 0xFF;
                float slx = sumlx - w * x[i] * li;
                float sl2 = suml2 - w * li * li;
                if (slx > 0 && sl2 > 0) {
                    int newL = nearestInt(x[i] * sl2 / slx);
                    newL = Math.min(nmax, newL);
                    if (newL != li) {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            ++nChanged;
                        }
                    }
                }
            }
            if (nChanged == 0) break;
        }
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /** Index of the table value nearest to x (ties to the lower index as in best_index_int8). */
    static int bestIndexInt8(int n, byte[] val, float x) {
        if (x <= val[0]) return 0;
        if (x >= val[n - 1]) return n - 1;
        int ml = 0, mu = n - 1;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (x < val[mav]) mu = mav;
            else ml = mav;
        }
        return x - val[mu - 1] < val[mu] - x ? mu - 1 : mu;
    }
}

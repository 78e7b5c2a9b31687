package io.spillway.perf.history;

/** Sorts a history's operation indices by key, then invoke time: a merge sort on primitive arrays (no boxing). */
final class KeyOrder {
    private KeyOrder() {
    }

    static int[] sorted(History h) {
        int n = h.size();
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        int[] b = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int l = lo;
                int r = mid;
                for (int k = lo; k < hi; k++) {
                    if (l < mid && (r >= hi || compare(h, a[l], a[r]) <= 0)) {
                        b[k] = a[l++];
                    } else {
                        b[k] = a[r++];
                    }
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    private static int compare(History h, int x, int y) {
        int c = Long.compare(h.keyHi[x], h.keyHi[y]);
        if (c == 0) {
            c = Long.compare(h.keyLo[x], h.keyLo[y]);
        }
        return c != 0 ? c : Long.compare(h.invoke[x], h.invoke[y]);
    }
}

package dev.isthmus.nn.infer;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Workspaces lent to the threads running a plan: a fixed ring of slots, each empty or holding an idle
 * workspace. A thread starts looking at the slot its id maps to, so a thread that calls again usually
 * gets back the workspace it warmed. When every slot is empty (more callers at once than ever before)
 * a new workspace is made; a returned workspace that finds no free slot is dropped. Neither lending
 * nor returning allocates or blocks.
 */
final class WorkspacePool {
    private final InferencePlan plan;
    private final AtomicReferenceArray<Workspace> slots;

    WorkspacePool(InferencePlan plan, int slots) {
        this.plan = plan;
        this.slots = new AtomicReferenceArray<>(slots);
    }

    Workspace acquire() {
        int n = slots.length();
        int start = (int) (Thread.currentThread().threadId() % n);
        for (int i = 0; i < n; i++) {
            int s = start + i < n ? start + i : start + i - n;
            if (slots.get(s) != null) {
                Workspace w = slots.getAndSet(s, null);
                if (w != null) {
                    return w;
                }
            }
        }
        return new Workspace(plan);
    }

    void release(Workspace w) {
        int n = slots.length();
        int start = (int) (Thread.currentThread().threadId() % n);
        for (int i = 0; i < n; i++) {
            int s = start + i < n ? start + i : start + i - n;
            if (slots.get(s) == null && slots.compareAndSet(s, null, w)) {
                return;
            }
        }
    }
}

package io.streamllm.kv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the cache tells attention about one batch: slots, positions in the stream and in the cache, and what a
 * layer with its own sliding window sees of the sinks and the cache window.
 */
class BatchPlanTest {
    private static final KvShape SHAPE = new KvShape(1, 1, 4);

    /** A sink:4:12 cache after {@code fed} tokens, with the plan of the next one. */
    private static BatchPlan nextToken(int fed) {
        KvCache cache = new KvCache(SHAPE, new SinkWindowPolicy(4, 12), 1, 1);
        for (int t = 0; t < fed; t++) {
            cache.beginBatch(1);
            cache.endBatch(1);
        }
        return cache.beginBatch(1);
    }

    @Test
    void afterEvictionTheQueryMovesCloserToTheSinks() {
        BatchPlan plan = nextToken(30);
        assertThat(plan.position(0)).isEqualTo(30);
        assertThat(plan.cachePosition(0)).isEqualTo(16); // 4 sinks, 12 window tokens, then itself
        assertThat(plan.keys(0)).isEqualTo(17);
        assertThat(plan.sinkEnd(0)).isEqualTo(4);
        assertThat(plan.windowKeys(0, Integer.MAX_VALUE)).isEqualTo(13);
    }

    @Test
    void aModelWindowLongerThanTheCacheSeesTheSinksAndTheWholeCacheWindow() {
        BatchPlan plan = nextToken(30);
        assertThat(plan.firstSink(0, 4096)).isZero();
        assertThat(plan.windowKeys(0, 4096)).isEqualTo(13);
    }

    @Test
    void aModelWindowShorterThanTheCacheSeesOnlyKeysWithinItsInCacheDistance() {
        BatchPlan plan = nextToken(30);
        // Window 10 from in-cache position 16: positions 7..16, so no sink and the 10 newest window keys.
        assertThat(plan.firstSink(0, 10)).isEqualTo(plan.sinkEnd(0));
        assertThat(plan.windowKeys(0, 10)).isEqualTo(10);
        // Window 14: positions 3..16, so the last sink (slot 3) and all 13 window keys.
        assertThat(plan.firstSink(0, 14)).isEqualTo(3);
        assertThat(plan.windowKeys(0, 14)).isEqualTo(13);
    }

    @Test
    void theWindowOfASlidingLayerStartsAtTheRightSlotAcrossTheRingsWrap() {
        BatchPlan plan = nextToken(30);
        // The ring holds 12 + 1 slots after the 4 sinks; the newest 10 keys end at the query's own slot.
        int newest = plan.slot(0);
        int first = plan.windowFirstSlot(0, 10);
        int ring = plan.ringEnd() - plan.ringStart();
        assertThat(Math.floorMod(newest - first, ring)).isEqualTo(9);
    }
}

/*
 * The bridge's C library on its host backend, without a JVM: linked with a small JNIEnv of our own (the dozen
 * functions the library calls) and built with -fsanitize=address,undefined by sanitize.sh, which Maven runs at
 * `test`. It drives every entry point the agent uses (allocations, IPC handles, batched copies, events, fault
 * injection, the mapping and segment checks) so that AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
 * see them; any report, or a failed CHECK, exits non-zero and fails the build.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------- the user the library takes as its own (BRIDGE_EUID in spillway_bridge.c) ---------- */

static unsigned test_euid_offset;

unsigned bridge_test_euid(void) {
    return (unsigned) geteuid() + test_euid_offset;
}

/* ---------- a JNIEnv with what the library calls ---------- */

typedef struct {
    char type; /* 'B' bytes, 'I' ints, 'J' longs */
    jsize length;
    void *data;
} fake_array;

typedef struct {
    const char *utf;
} fake_string;

static char thrown[600]; /* the last BridgeException's message; "" when none since reset */
static int throws;

static jclass JNICALL find_class(JNIEnv *env, const char *name) {
    return (jclass) (intptr_t) 1;
}

static jint JNICALL throw_new(JNIEnv *env, jclass type, const char *message) {
    snprintf(thrown, sizeof thrown, "%s", message);
    throws++;
    return 0;
}

static jsize JNICALL array_length(JNIEnv *env, jarray array) {
    return ((fake_array *) array)->length;
}

static size_t element_size(char type) {
    return type == 'B' ? 1 : type == 'I' ? sizeof(jint) : sizeof(jlong);
}

static fake_array *new_array(char type, jsize length) {
    fake_array *a = calloc(1, sizeof *a);
    a->type = type;
    a->length = length;
    a->data = calloc((size_t) (length > 0 ? length : 1), element_size(type));
    return a;
}

static void free_array(fake_array *a) {
    if (a != NULL) {
        free(a->data);
        free(a);
    }
}

static jbyteArray JNICALL new_byte_array(JNIEnv *env, jsize length) {
    return (jbyteArray) new_array('B', length);
}

static void region_check(fake_array *a, char type, jsize start, jsize length) {
    if (a->type != type || start < 0 || length < 0 || start + length > a->length) {
        fprintf(stderr, "FAIL: the library read or wrote a Java array out of its bounds\n");
        exit(1);
    }
}

static void JNICALL get_byte_region(JNIEnv *env, jbyteArray array, jsize start, jsize length, jbyte *out) {
    fake_array *a = (fake_array *) array;
    region_check(a, 'B', start, length);
    memcpy(out, (jbyte *) a->data + start, (size_t) length);
}

static void JNICALL set_byte_region(JNIEnv *env, jbyteArray array, jsize start, jsize length, const jbyte *in) {
    fake_array *a = (fake_array *) array;
    region_check(a, 'B', start, length);
    memcpy((jbyte *) a->data + start, in, (size_t) length);
}

static void JNICALL get_int_region(JNIEnv *env, jintArray array, jsize start, jsize length, jint *out) {
    fake_array *a = (fake_array *) array;
    region_check(a, 'I', start, length);
    memcpy(out, (jint *) a->data + start, (size_t) length * sizeof(jint));
}

/* a copy, as a JVM may hand out: a read past its end is a heap overflow AddressSanitizer reports */
static jlong *JNICALL get_long_elements(JNIEnv *env, jlongArray array, jboolean *is_copy) {
    fake_array *a = (fake_array *) array;
    region_check(a, 'J', 0, a->length);
    jlong *copy = malloc((size_t) (a->length > 0 ? a->length : 1) * sizeof(jlong));
    memcpy(copy, a->data, (size_t) a->length * sizeof(jlong));
    if (is_copy != NULL) {
        *is_copy = JNI_TRUE;
    }
    return copy;
}

static void JNICALL release_long_elements(JNIEnv *env, jlongArray array, jlong *elements, jint mode) {
    free(elements);
}

static const char *JNICALL get_string_utf(JNIEnv *env, jstring s, jboolean *is_copy) {
    return strdup(((fake_string *) s)->utf);
}

static void JNICALL release_string_utf(JNIEnv *env, jstring s, const char *chars) {
    free((void *) chars);
}

static jobject JNICALL new_direct_buffer(JNIEnv *env, void *address, jlong capacity) {
    return (jobject) address;
}

static JNIEnv make_env(struct JNINativeInterface_ *f) {
    memset(f, 0, sizeof *f);
    f->FindClass = find_class;
    f->ThrowNew = throw_new;
    f->GetArrayLength = array_length;
    f->NewByteArray = new_byte_array;
    f->GetByteArrayRegion = get_byte_region;
    f->SetByteArrayRegion = set_byte_region;
    f->GetIntArrayRegion = get_int_region;
    f->GetLongArrayElements = get_long_elements;
    f->ReleaseLongArrayElements = release_long_elements;
    f->GetStringUTFChars = get_string_utf;
    f->ReleaseStringUTFChars = release_string_utf;
    f->NewDirectByteBuffer = new_direct_buffer;
    return f;
}

/* ---------- the library's entry points ---------- */

#define NATIVE(ret, name, ...) JNIEXPORT ret JNICALL Java_io_spillway_bridge_NativeBridge_##name(JNIEnv *, jclass, \
    __VA_ARGS__)
NATIVE(jlong, open, jint, jstring, jint);
NATIVE(void, close, jlong);
NATIVE(jlong, mappedBytes, jlong, jlong);
NATIVE(void, declareDevice, jlong, jlong, jlong);
NATIVE(jlong, deviceAlloc, jlong, jlong);
NATIVE(void, deviceFree, jlong, jlong);
NATIVE(jlong, hostAlloc, jlong, jlong);
NATIVE(void, hostFree, jlong, jlong);
NATIVE(jobject, wrap, jlong, jlong);
NATIVE(jbyteArray, ipcHandle, jlong, jlong);
NATIVE(jlong, ipcOpen, jlong, jbyteArray, jstring, jintArray);
NATIVE(void, ipcClose, jlong, jlong);
NATIVE(jlong, streamCreate, jlong);
NATIVE(void, streamDestroy, jlong, jlong);
NATIVE(void, copyBatch, jlong, jlong, jlongArray, jlongArray, jlongArray, jint, jint);
NATIVE(jlong, eventRecord, jlong, jlong);
NATIVE(jint, eventQuery, jlong, jlong);
NATIVE(void, injectCopyFaults, jlong, jint);
NATIVE(void, eventDestroy, jlong, jlong);

#define B(name) Java_io_spillway_bridge_NativeBridge_##name

/* ---------- checks ---------- */

static JNIEnv env;
static int checks;

static void check(int ok, const char *fmt, ...) {
    checks++;
    if (!ok) {
        va_list args;
        va_start(args, fmt);
        fprintf(stderr, "FAIL: ");
        vfprintf(stderr, fmt, args);
        fprintf(stderr, " (last error: '%s')\n", thrown);
        va_end(args);
        exit(1);
    }
}

static void reset(void) {
    thrown[0] = '\0';
    throws = 0;
}

static int threw(const char *part) {
    return throws > 0 && strstr(thrown, part) != NULL;
}

static fake_string PREFIX = {"spillway-"};

static jlong open_handle(jlong rt, fake_array *handle, fake_array *owners) {
    return B(ipcOpen)(&env, NULL, rt, (jbyteArray) handle, (jstring) &PREFIX, (jintArray) owners);
}

/* Waits for an event: 1 done, -1 failed; a hang fails the run. */
static int await_event(jlong rt, jlong event) {
    struct timespec pause = {0, 1000000};
    for (int i = 0; i < 10000; i++) {
        jint state = B(eventQuery)(&env, NULL, rt, event);
        if (state != 0) {
            return state;
        }
        nanosleep(&pause, NULL);
    }
    check(0, "an event did not complete in 10 s");
    return 0;
}

/* One batch of count copies; returns the event after it (0 when refused). */
static jlong copy(jlong rt, jlong stream, const jlong *dsts, const jlong *srcs, const jlong *lengths, int count,
                  int to_device) {
    fake_array *d = new_array('J', count);
    fake_array *s = new_array('J', count);
    fake_array *l = new_array('J', count);
    memcpy(d->data, dsts, (size_t) count * sizeof(jlong));
    memcpy(s->data, srcs, (size_t) count * sizeof(jlong));
    memcpy(l->data, lengths, (size_t) count * sizeof(jlong));
    reset();
    B(copyBatch)(&env, NULL, rt, stream, (jlongArray) d, (jlongArray) s, (jlongArray) l, count, to_device);
    int refused = throws > 0;
    free_array(d);
    free_array(s);
    free_array(l);
    return refused ? 0 : B(eventRecord)(&env, NULL, rt, stream);
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char) ((i + 1) * 2654435761u + seed);
    }
}

/* A worker's two "device" segments, opened by an agent's runtime from their handles; blocks out and back. */
static void copies_round_trip_through_ipc_handles(void) {
    const size_t bytes = 64 * 1024;
    jlong worker = B(open)(&env, NULL, 0, NULL, 0);
    jlong agent = B(open)(&env, NULL, 0, NULL, 0);
    jlong regions[2];
    jlong opened[2];
    for (int r = 0; r < 2; r++) {
        regions[r] = B(deviceAlloc)(&env, NULL, worker, (jlong) bytes);
        fill((unsigned char *) (intptr_t) regions[r], bytes, (unsigned) r);
        fake_array *h = (fake_array *) B(ipcHandle)(&env, NULL, worker, regions[r]);
        check(h != NULL && h->length == 64, "a handle of 64 bytes");
        reset();
        opened[r] = open_handle(agent, h, NULL);
        check(opened[r] != 0 && throws == 0, "region %d opens", r);
        check(B(mappedBytes)(&env, NULL, agent, opened[r]) == (jlong) bytes, "region %d's mapped size", r);
        check(B(mappedBytes)(&env, NULL, agent, opened[r] + 1000) == (jlong) bytes - 1000, "bytes to the end");
        free_array(h);
    }
    jlong pinned = B(hostAlloc)(&env, NULL, agent, 8192);
    jlong stream = B(streamCreate)(&env, NULL, agent);
    /* save: 4 KiB of region 0 at 4096 and of region 1 at 60 KiB (its last 4 KiB) into the pinned buffer */
    jlong dsts[] = {pinned, pinned + 4096};
    jlong srcs[] = {opened[0] + 4096, opened[1] + (jlong) bytes - 4096};
    jlong lengths[] = {4096, 4096};
    jlong event = copy(agent, stream, dsts, srcs, lengths, 2, 0);
    check(event != 0, "a save inside the mappings is queued");
    check(await_event(agent, event) == 1, "the save completes");
    B(eventDestroy)(&env, NULL, agent, event);
    check(memcmp((void *) (intptr_t) pinned, (void *) (intptr_t) (regions[0] + 4096), 4096) == 0, "bytes saved");
    check(memcmp((void *) (intptr_t) (pinned + 4096), (void *) (intptr_t) (regions[1] + (jlong) bytes - 4096), 4096)
          == 0, "bytes saved from the mapping's last page");
    /* load them back into region 0 at 0: the worker sees them through its own mapping */
    jlong back_dsts[] = {opened[0], opened[0] + 4096 * 2};
    jlong back_srcs[] = {pinned, pinned + 4096};
    event = copy(agent, stream, back_dsts, back_srcs, lengths, 2, 1);
    check(event != 0 && await_event(agent, event) == 1, "the load completes");
    B(eventDestroy)(&env, NULL, agent, event);
    check(memcmp((void *) (intptr_t) regions[0], (void *) (intptr_t) (regions[0] + 4096), 4096) == 0,
          "loaded bytes are visible to the worker");
    B(streamDestroy)(&env, NULL, agent, stream);
    B(hostFree)(&env, NULL, agent, pinned);
    for (int r = 0; r < 2; r++) {
        B(ipcClose)(&env, NULL, agent, opened[r]);
        B(deviceFree)(&env, NULL, worker, regions[r]);
    }
    B(close)(&env, NULL, agent);
    B(close)(&env, NULL, worker);
}

/* Copies a byte past a mapping, or from outside the pinned memory, are refused whole: nothing moves. */
static void copies_outside_the_mappings_are_refused(void) {
    const size_t bytes = 16 * 1024;
    jlong worker = B(open)(&env, NULL, 0, NULL, 0);
    jlong agent = B(open)(&env, NULL, 0, NULL, 0);
    jlong region = B(deviceAlloc)(&env, NULL, worker, (jlong) bytes);
    memset((void *) (intptr_t) region, 7, bytes);
    fake_array *h = (fake_array *) B(ipcHandle)(&env, NULL, worker, region);
    jlong opened = open_handle(agent, h, NULL);
    free_array(h);
    jlong pinned = B(hostAlloc)(&env, NULL, agent, 4096);
    memset((void *) (intptr_t) pinned, 9, 4096);
    jlong stream = B(streamCreate)(&env, NULL, agent);

    jlong ok_dst[] = {opened, opened + (jlong) bytes - 4095};
    jlong src[] = {pinned, pinned};
    jlong len[] = {16, 4096};
    /* the second copy ends one byte past the mapping: the first, which fits, must not run either */
    check(copy(agent, stream, ok_dst, src, len, 2, 1) == 0 && threw("copy 1 of 2 refused")
          && threw("device bytes"), "a load a byte past the mapping is refused");
    jlong far_dst[] = {opened + (jlong) bytes * 4};
    check(copy(agent, stream, far_dst, src, len, 1, 1) == 0 && threw("outside every device mapping"),
          "a load far outside the mapping is refused");
    jlong own_dst[] = {region}; /* the worker's own address: not a mapping of the agent's runtime */
    check(copy(agent, stream, own_dst, src, len, 1, 1) == 0, "an address another runtime mapped is refused");
    jlong host_src[] = {pinned + 4096 - 8};
    jlong in_dst[] = {opened};
    check(copy(agent, stream, in_dst, host_src, len, 1, 1) == 0 && threw("pinned host"),
          "a load from past the pinned buffer is refused");
    jlong negative[] = {-1};
    check(copy(agent, stream, in_dst, src, negative, 1, 1) == 0 && threw("< 0"), "a negative length is refused");
    jlong save_src[] = {opened + (jlong) bytes - 8};
    jlong save_dst[] = {pinned};
    check(copy(agent, stream, save_dst, save_src, len, 1, 0) == 0 && threw("device bytes"),
          "a save reading past the mapping is refused");
    B(streamDestroy)(&env, NULL, agent, stream); /* runs whatever was queued: nothing should have been */
    unsigned char *w = (unsigned char *) (intptr_t) region;
    int untouched = 1;
    for (size_t i = 0; i < bytes; i++) {
        untouched &= w[i] == 7;
    }
    check(untouched, "no refused copy wrote into the worker's memory");
    B(hostFree)(&env, NULL, agent, pinned);
    B(ipcClose)(&env, NULL, agent, opened);
    B(deviceFree)(&env, NULL, worker, region);
    B(close)(&env, NULL, agent);
    B(close)(&env, NULL, worker);
}

static fake_array *handle_for(const char *name, uint64_t size) {
    fake_array *h = new_array('B', 64);
    memcpy(h->data, "SPWH", 4);
    memcpy((char *) h->data + 8, &size, 8);
    snprintf((char *) h->data + 16, 48, "%s", name);
    return h;
}

static void make_segment(const char *name, off_t size) {
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    check(fd >= 0 && ftruncate(fd, size) == 0, "making %s", name);
    close(fd);
}

/* Only segments named with the prefix, owned by the agent's user or an allowed one, as large as the handle says. */
static void segments_outside_the_policy_are_refused(void) {
    jlong agent = B(open)(&env, NULL, 0, NULL, 0);
    char other[64];
    char ours[64];
    snprintf(other, sizeof other, "/other-%d", (int) getpid());
    snprintf(ours, sizeof ours, "/spillway-test-%d", (int) getpid());
    make_segment(other, 4096);
    make_segment(ours, 4096);

    fake_array *h = handle_for(other, 4096);
    reset();
    check(open_handle(agent, h, NULL) == 0 && threw("refused") && threw("/spillway-"),
          "a segment without the prefix is refused");
    free_array(h);
    const char *bad[] = {"/spillway-a/../../etc/passwd", "/spillway-a b", "spillway-x", "/", "/spillway-\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        h = handle_for(bad[i], 4096);
        reset();
        check(open_handle(agent, h, NULL) == 0 && throws == 1, "name %zu is refused", i);
        free_array(h);
    }
    h = handle_for(ours, 8192);
    reset();
    check(open_handle(agent, h, NULL) == 0 && threw("requested end 8192") && threw("mapped size 4096"),
          "a handle larger than its segment is refused, naming both sizes");
    free_array(h);

    test_euid_offset = 1; /* the agent is now another user than the segment's owner */
    h = handle_for(ours, 4096);
    reset();
    check(open_handle(agent, h, NULL) == 0 && threw("belongs to uid"), "another user's segment is refused");
    fake_array *owners = new_array('I', 1);
    ((jint *) owners->data)[0] = (jint) geteuid();
    reset();
    jlong at = open_handle(agent, h, owners);
    check(at != 0 && throws == 0, "an allowed owner's segment opens");
    B(ipcClose)(&env, NULL, agent, at);
    test_euid_offset = 0;
    free_array(owners);
    free_array(h);

    fake_array *short_handle = new_array('B', 12);
    reset();
    check(open_handle(agent, short_handle, NULL) == 0 && threw("64 bytes"), "a short handle is refused");
    free_array(short_handle);
    fake_array *zeros = new_array('B', 64);
    reset();
    check(open_handle(agent, zeros, NULL) == 0 && threw("not a host-backend handle"), "zeros are refused");
    free_array(zeros);
    shm_unlink(other);
    shm_unlink(ours);
    B(close)(&env, NULL, agent);
}

/* An injected fault fails the next completed event once; the stream goes on. */
static void injected_faults_fail_one_event(void) {
    jlong rt = B(open)(&env, NULL, 0, NULL, 0);
    jlong region = B(deviceAlloc)(&env, NULL, rt, 4096);
    jlong pinned = B(hostAlloc)(&env, NULL, rt, 4096);
    jlong stream = B(streamCreate)(&env, NULL, rt);
    B(injectCopyFaults)(&env, NULL, rt, 1);
    jlong dst[] = {pinned};
    jlong src[] = {region};
    jlong len[] = {4096};
    jlong event = copy(rt, stream, dst, src, len, 1, 0);
    reset();
    check(await_event(rt, event) == -1 && threw("injected fault"), "the first copy fails");
    B(eventDestroy)(&env, NULL, rt, event);
    event = copy(rt, stream, dst, src, len, 1, 0);
    check(await_event(rt, event) == 1, "the next completes");
    B(eventDestroy)(&env, NULL, rt, event);
    B(streamDestroy)(&env, NULL, rt, stream);
    B(hostFree)(&env, NULL, rt, pinned);
    B(deviceFree)(&env, NULL, rt, region);
    B(close)(&env, NULL, rt);
}

/* In-process memory is declared with its size; copies stay inside what was declared. */
static void declared_memory_is_checked_like_mapped_memory(void) {
    jlong rt = B(open)(&env, NULL, 0, NULL, 0);
    unsigned char *own = calloc(1, 8192);
    reset();
    B(declareDevice)(&env, NULL, rt, (jlong) (intptr_t) own, 8192);
    check(throws == 0 && B(mappedBytes)(&env, NULL, rt, (jlong) (intptr_t) own) == 8192, "declared");
    reset();
    B(declareDevice)(&env, NULL, rt, (jlong) (intptr_t) own, 0);
    check(threw("size > 0"), "an empty declaration is refused");
    reset();
    check(B(mappedBytes)(&env, NULL, rt, (jlong) (intptr_t) (own + 8192 + 64)) == -1 && threw("no device mapping"),
          "an address past it is in no mapping");
    jlong pinned = B(hostAlloc)(&env, NULL, rt, 4096);
    jlong stream = B(streamCreate)(&env, NULL, rt);
    jlong dst[] = {(jlong) (intptr_t) (own + 8192 - 4096)};
    jlong src[] = {pinned};
    jlong len[] = {4097};
    check(copy(rt, stream, dst, src, len, 1, 1) == 0, "a load a byte past the declared memory is refused");
    B(streamDestroy)(&env, NULL, rt, stream);
    B(hostFree)(&env, NULL, rt, pinned);
    B(close)(&env, NULL, rt);
    free(own);
}

/* The CUDA and HIP paths over fake runtimes (fake_gpu_runtime.c): an IPC mapping is sized by the driver's range. */
static void gpu_backends_size_ipc_mappings_by_the_drivers_range(void) {
    const char *dir = getenv("BRIDGE_FAKE_GPU_DIR");
    check(dir != NULL, "BRIDGE_FAKE_GPU_DIR names the fake runtimes (sanitize.sh sets it)");
    const char *libs[] = {"libfakecudart.so", "libfakehip.so"};
    for (int k = 0; k < 2; k++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, libs[k]);
        fake_string lib = {path};
        reset();
        jlong worker = B(open)(&env, NULL, k + 1, (jstring) &lib, 0);
        jlong agent = B(open)(&env, NULL, k + 1, (jstring) &lib, 0);
        check(worker != 0 && agent != 0 && throws == 0, "%s loads", libs[k]);
        jlong p = B(deviceAlloc)(&env, NULL, worker, 8192);
        fake_array *h = (fake_array *) B(ipcHandle)(&env, NULL, worker, p);
        reset();
        jlong at = open_handle(agent, h, NULL);
        free_array(h);
        check(at != 0 && throws == 0, "%s: the handle opens", libs[k]);
        check(B(mappedBytes)(&env, NULL, agent, at) == 8192, "%s: the driver's range is the mapped size", libs[k]);
        jlong pinned = B(hostAlloc)(&env, NULL, agent, 4096);
        jlong stream = B(streamCreate)(&env, NULL, agent);
        jlong dst[] = {at + 4096};
        jlong src[] = {pinned};
        jlong len[] = {4096};
        jlong event = copy(agent, stream, dst, src, len, 1, 1);
        check(event != 0 && await_event(agent, event) == 1, "%s: a load inside the allocation runs", libs[k]);
        B(eventDestroy)(&env, NULL, agent, event);
        jlong past[] = {at + 4097};
        check(copy(agent, stream, past, src, len, 1, 1) == 0 && threw("outside every device mapping"),
              "%s: a load a byte past the allocation is refused", libs[k]);
        reset();
        B(declareDevice)(&env, NULL, agent, p + 1024, 8192);
        check(threw("requested end 8192 is past the allocation's mapped size 7168"),
              "%s: declaring more than the allocation holds is refused, naming both sizes", libs[k]);
        B(streamDestroy)(&env, NULL, agent, stream);
        B(hostFree)(&env, NULL, agent, pinned);
        B(ipcClose)(&env, NULL, agent, at);
        B(deviceFree)(&env, NULL, worker, p);
        B(close)(&env, NULL, agent);
        B(close)(&env, NULL, worker);
    }
    /* a HIP runtime without hipMemGetAddressRange: the size of what a handle maps is unknown, so it is not opened */
    char path[600];
    snprintf(path, sizeof path, "%s/libfakehip-norange.so", dir);
    fake_string lib = {path};
    jlong worker = B(open)(&env, NULL, 2, (jstring) &lib, 0);
    jlong agent = B(open)(&env, NULL, 2, (jstring) &lib, 0);
    jlong p = B(deviceAlloc)(&env, NULL, worker, 4096);
    fake_array *h = (fake_array *) B(ipcHandle)(&env, NULL, worker, p);
    reset();
    check(open_handle(agent, h, NULL) == 0 && threw("hipMemGetAddressRange"),
          "without the driver's range a handle is refused");
    free_array(h);
    B(deviceFree)(&env, NULL, worker, p);
    B(close)(&env, NULL, agent);
    B(close)(&env, NULL, worker);
}

int main(void) {
    static struct JNINativeInterface_ functions;
    env = make_env(&functions);
    copies_round_trip_through_ipc_handles();
    copies_outside_the_mappings_are_refused();
    segments_outside_the_policy_are_refused();
    injected_faults_fail_one_event();
    declared_memory_is_checked_like_mapped_memory();
    gpu_backends_size_ipc_mappings_by_the_drivers_range();
    printf("bridge_sanitized_test: %d checks passed\n", checks);
    return 0;
}

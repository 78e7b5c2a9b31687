/*
 * Spillway's accelerator bridge: the few runtime calls a KV connector needs (device and pinned host memory,
 * IPC handles, a stream, batched async copies, events), reached through dlopen so that the library builds without
 * vendor SDKs and loads where no GPU exists. Backends:
 *   0 host  "device memory" is POSIX shared memory (its IPC handle names the segment); a stream is a worker
 *           thread that runs the copies in order; events are markers it passes. CI runs the same paths.
 *   1 cuda  libcudart (cudaMalloc, cudaMemcpyAsync, cudaIpcOpenMemHandle, ...)
 *   2 hip   libamdhip64 (hipMalloc, hipMemcpyAsync, hipIpcOpenMemHandle, ...)
 * CUDA and HIP share these signatures and the enum values used here (success 0, not-ready 600, memcpy kinds 1 and
 * 2, non-blocking streams 1, events without timing 2, lazy peer access 1), so one table serves both.
 * Every JNI entry point is a static native of io.spillway.bridge.NativeBridge.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define IPC_HANDLE_BYTES 64
#define RT_NOT_READY 600
#define KIND_H2D 1
#define KIND_D2H 2

typedef struct { char reserved[IPC_HANDLE_BYTES]; } ipc_handle;

typedef struct runtime runtime;

/* One loaded backend. For cuda/hip the function table; for host the shared-memory allocations. */
struct runtime {
    int kind;
    void *lib;
    int (*set_device)(int);
    int (*get_device_count)(int *);
    int (*dev_malloc)(void **, size_t);
    int (*dev_free)(void *);
    int (*host_alloc)(void **, size_t, unsigned int);
    int (*host_free)(void *);
    int (*stream_create)(void **, unsigned int);
    int (*stream_destroy)(void *);
    int (*memcpy_async)(void *, const void *, size_t, int, void *);
    int (*event_create)(void **, unsigned int);
    int (*event_record)(void *, void *);
    int (*event_query)(void *);
    int (*event_destroy)(void *);
    int (*ipc_get)(ipc_handle *, void *);
    int (*ipc_open)(void **, ipc_handle, unsigned int);
    int (*ipc_close)(void *);
    const char *(*error_string)(int);
    /* host backend: what it allocated, so it can export and free it */
    pthread_mutex_t lock;
    struct shm_segment *segments;
    /* host backend fault injection: the next this-many completed events report a failed copy */
    atomic_int injected_faults;
};

/* A host-backend "device" allocation or an opened peer segment. */
struct shm_segment {
    void *base;
    size_t bytes;
    char name[48];
    int owned; /* 1: created here (unlinked on free); 0: opened from a handle */
    struct shm_segment *next;
};

/* ---------- errors ---------- */

static void throw_bridge(JNIEnv *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void throw_bridge(JNIEnv *env, const char *fmt, ...) {
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    jclass type = (*env)->FindClass(env, "io/spillway/bridge/BridgeException");
    if (type != NULL) {
        (*env)->ThrowNew(env, type, message);
    }
}

static const char *rt_error(runtime *rt, int code) {
    if (rt->error_string != NULL) {
        const char *s = rt->error_string(code);
        if (s != NULL) {
            return s;
        }
    }
    return "unknown error";
}

/* ---------- host backend: a stream is a worker thread over a FIFO of copies and markers ---------- */

typedef struct host_op {
    void *dst;
    const void *src;
    size_t bytes;
    atomic_int *marker; /* non-null: an event to complete when reached */
    struct host_op *next;
} host_op;

typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    host_op *head;
    host_op *tail;
    int stopping;
} host_stream;

static void *host_stream_run(void *arg) {
    host_stream *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (s->head == NULL && !s->stopping) {
            pthread_cond_wait(&s->ready, &s->lock);
        }
        if (s->head == NULL && s->stopping) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        host_op *op = s->head;
        s->head = op->next;
        if (s->head == NULL) {
            s->tail = NULL;
        }
        pthread_mutex_unlock(&s->lock);
        if (op->marker != NULL) {
            atomic_store(op->marker, 1);
        } else if (op->bytes > 0) {
            memcpy(op->dst, op->src, op->bytes);
        }
        free(op);
    }
}

static void host_enqueue(host_stream *s, host_op *op) {
    pthread_mutex_lock(&s->lock);
    op->next = NULL;
    if (s->tail == NULL) {
        s->head = op;
    } else {
        s->tail->next = op;
    }
    s->tail = op;
    pthread_cond_signal(&s->ready);
    pthread_mutex_unlock(&s->lock);
}

/* ---------- loading a backend ---------- */

static void *find(void *lib, const char *prefix, const char *name, char *missing, size_t missing_size) {
    char symbol[96];
    snprintf(symbol, sizeof symbol, "%s%s", prefix, name);
    void *f = dlsym(lib, symbol);
    if (f == NULL && missing[0] == '\0') {
        snprintf(missing, missing_size, "%s", symbol);
    }
    return f;
}

static int load_gpu(runtime *rt, const char *library, char *why, size_t why_size) {
    const char *cuda[] = {"libcudart.so", "libcudart.so.12", "libcudart.so.11.0", NULL};
    const char *hip[] = {"libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5", NULL};
    const char **names = rt->kind == 1 ? cuda : hip;
    const char *prefix = rt->kind == 1 ? "cuda" : "hip";
    char tried[256] = "";
    if (library != NULL && library[0] != '\0') {
        rt->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
        if (rt->lib == NULL) {
            snprintf(why, why_size, "%s", dlerror());
            return -1;
        }
    } else {
        for (int i = 0; names[i] != NULL && rt->lib == NULL; i++) {
            rt->lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
            if (rt->lib == NULL) {
                snprintf(tried, sizeof tried, "%s", dlerror());
            }
        }
        if (rt->lib == NULL) {
            snprintf(why, why_size, "no %s runtime could be loaded (last: %s)", prefix, tried);
            return -1;
        }
    }
    char missing[96] = "";
    int hipx = rt->kind == 2;
    rt->set_device = find(rt->lib, prefix, "SetDevice", missing, sizeof missing);
    rt->get_device_count = find(rt->lib, prefix, "GetDeviceCount", missing, sizeof missing);
    rt->dev_malloc = find(rt->lib, prefix, "Malloc", missing, sizeof missing);
    rt->dev_free = find(rt->lib, prefix, "Free", missing, sizeof missing);
    rt->host_alloc = find(rt->lib, prefix, hipx ? "HostMalloc" : "HostAlloc", missing, sizeof missing);
    rt->host_free = find(rt->lib, prefix, hipx ? "HostFree" : "FreeHost", missing, sizeof missing);
    rt->stream_create = find(rt->lib, prefix, "StreamCreateWithFlags", missing, sizeof missing);
    rt->stream_destroy = find(rt->lib, prefix, "StreamDestroy", missing, sizeof missing);
    rt->memcpy_async = find(rt->lib, prefix, "MemcpyAsync", missing, sizeof missing);
    rt->event_create = find(rt->lib, prefix, "EventCreateWithFlags", missing, sizeof missing);
    rt->event_record = find(rt->lib, prefix, "EventRecord", missing, sizeof missing);
    rt->event_query = find(rt->lib, prefix, "EventQuery", missing, sizeof missing);
    rt->event_destroy = find(rt->lib, prefix, "EventDestroy", missing, sizeof missing);
    rt->ipc_get = find(rt->lib, prefix, "IpcGetMemHandle", missing, sizeof missing);
    rt->ipc_open = find(rt->lib, prefix, "IpcOpenMemHandle", missing, sizeof missing);
    rt->ipc_close = find(rt->lib, prefix, "IpcCloseMemHandle", missing, sizeof missing);
    rt->error_string = find(rt->lib, prefix, "GetErrorString", missing, sizeof missing);
    if (missing[0] != '\0') {
        snprintf(why, why_size, "the %s runtime lacks %s", prefix, missing);
        dlclose(rt->lib);
        rt->lib = NULL;
        return -1;
    }
    return 0;
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_open(JNIEnv *env, jclass cls, jint kind,
                                                                  jstring library, jint device) {
    if (kind < 0 || kind > 2) {
        throw_bridge(env, "unknown backend %d: expected 0 host, 1 cuda or 2 hip", kind);
        return 0;
    }
    runtime *rt = calloc(1, sizeof *rt);
    if (rt == NULL) {
        throw_bridge(env, "out of memory");
        return 0;
    }
    rt->kind = kind;
    pthread_mutex_init(&rt->lock, NULL);
    if (kind != 0) {
        const char *lib = library == NULL ? NULL : (*env)->GetStringUTFChars(env, library, NULL);
        char why[400];
        int failed = load_gpu(rt, lib, why, sizeof why);
        if (lib != NULL) {
            (*env)->ReleaseStringUTFChars(env, library, lib);
        }
        if (failed) {
            free(rt);
            throw_bridge(env, "%s", why);
            return 0;
        }
        int count = 0;
        int rc = rt->get_device_count(&count);
        if (rc != 0 || device < 0 || device >= count) {
            const char *e = rc != 0 ? rt_error(rt, rc) : "no such device";
            dlclose(rt->lib);
            free(rt);
            throw_bridge(env, "device %d of %d: %s", device, count, e);
            return 0;
        }
        rc = rt->set_device(device);
        if (rc != 0) {
            throw_bridge(env, "set device %d: %s", device, rt_error(rt, rc));
            dlclose(rt->lib);
            free(rt);
            return 0;
        }
    }
    return (jlong) (intptr_t) rt;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_close(JNIEnv *env, jclass cls, jlong handle) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt == NULL) {
        return;
    }
    if (rt->lib != NULL) {
        dlclose(rt->lib);
    }
    struct shm_segment *s = rt->segments;
    while (s != NULL) {
        struct shm_segment *next = s->next;
        munmap(s->base, s->bytes);
        if (s->owned) {
            shm_unlink(s->name);
        }
        free(s);
        s = next;
    }
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

/* ---------- memory ---------- */

static struct shm_segment *segment_of(runtime *rt, void *base) {
    for (struct shm_segment *s = rt->segments; s != NULL; s = s->next) {
        if (s->base == base) {
            return s;
        }
    }
    return NULL;
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_deviceAlloc(JNIEnv *env, jclass cls, jlong handle,
                                                                         jlong bytes) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (bytes <= 0) {
        throw_bridge(env, "device allocation of %lld bytes: must be > 0", (long long) bytes);
        return 0;
    }
    if (rt->kind != 0) {
        void *p = NULL;
        int rc = rt->dev_malloc(&p, (size_t) bytes);
        if (rc != 0) {
            throw_bridge(env, "device allocation of %lld bytes: %s", (long long) bytes, rt_error(rt, rc));
            return 0;
        }
        return (jlong) (intptr_t) p;
    }
    struct shm_segment *s = calloc(1, sizeof *s);
    if (s == NULL) {
        throw_bridge(env, "out of memory");
        return 0;
    }
    /* process-wide numbering: several runtimes in one process (a worker's cache, a fence page) never collide */
    static atomic_long next_segment;
    snprintf(s->name, sizeof s->name, "/spillway-%d-%ld", (int) getpid(), atomic_fetch_add(&next_segment, 1));
    int fd = shm_open(s->name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, (off_t) bytes) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            shm_unlink(s->name);
        }
        free(s);
        throw_bridge(env, "shared memory of %lld bytes: %s", (long long) bytes, strerror(e));
        return 0;
    }
    s->base = mmap(NULL, (size_t) bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (s->base == MAP_FAILED) {
        int e = errno;
        shm_unlink(s->name);
        free(s);
        throw_bridge(env, "mapping %lld bytes: %s", (long long) bytes, strerror(e));
        return 0;
    }
    s->bytes = (size_t) bytes;
    s->owned = 1;
    pthread_mutex_lock(&rt->lock);
    s->next = rt->segments;
    rt->segments = s;
    pthread_mutex_unlock(&rt->lock);
    return (jlong) (intptr_t) s->base;
}

static void host_release(runtime *rt, void *base, int owned) {
    pthread_mutex_lock(&rt->lock);
    struct shm_segment **at = &rt->segments;
    while (*at != NULL && ((*at)->base != base || (*at)->owned != owned)) {
        at = &(*at)->next;
    }
    struct shm_segment *s = *at;
    if (s != NULL) {
        *at = s->next;
    }
    pthread_mutex_unlock(&rt->lock);
    if (s != NULL) {
        munmap(s->base, s->bytes);
        if (s->owned) {
            shm_unlink(s->name);
        }
        free(s);
    }
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_deviceFree(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        int rc = rt->dev_free((void *) (intptr_t) ptr);
        if (rc != 0) {
            throw_bridge(env, "device free: %s", rt_error(rt, rc));
        }
        return;
    }
    host_release(rt, (void *) (intptr_t) ptr, 1);
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_hostAlloc(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong bytes) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (bytes <= 0) {
        throw_bridge(env, "pinned allocation of %lld bytes: must be > 0", (long long) bytes);
        return 0;
    }
    void *p = NULL;
    if (rt->kind != 0) {
        int rc = rt->host_alloc(&p, (size_t) bytes, 0);
        if (rc != 0) {
            throw_bridge(env, "pinned allocation of %lld bytes: %s", (long long) bytes, rt_error(rt, rc));
            return 0;
        }
    } else if (posix_memalign(&p, 4096, (size_t) bytes) != 0) {
        throw_bridge(env, "host allocation of %lld bytes failed", (long long) bytes);
        return 0;
    }
    return (jlong) (intptr_t) p;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_hostFree(JNIEnv *env, jclass cls, jlong handle,
                                                                     jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        int rc = rt->host_free((void *) (intptr_t) ptr);
        if (rc != 0) {
            throw_bridge(env, "pinned free: %s", rt_error(rt, rc));
        }
    } else {
        free((void *) (intptr_t) ptr);
    }
}

JNIEXPORT jobject JNICALL Java_io_spillway_bridge_NativeBridge_wrap(JNIEnv *env, jclass cls, jlong address,
                                                                    jlong bytes) {
    return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) address, bytes);
}

/* ---------- IPC ---------- */

#define HOST_MAGIC "SPWH"

JNIEXPORT jbyteArray JNICALL Java_io_spillway_bridge_NativeBridge_ipcHandle(JNIEnv *env, jclass cls, jlong handle,
                                                                            jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    ipc_handle h;
    memset(&h, 0, sizeof h);
    if (rt->kind != 0) {
        int rc = rt->ipc_get(&h, (void *) (intptr_t) ptr);
        if (rc != 0) {
            throw_bridge(env, "IPC handle: %s", rt_error(rt, rc));
            return NULL;
        }
    } else {
        pthread_mutex_lock(&rt->lock);
        struct shm_segment *s = segment_of(rt, (void *) (intptr_t) ptr);
        if (s != NULL && s->owned) {
            uint64_t bytes = s->bytes;
            memcpy(h.reserved, HOST_MAGIC, 4);
            memcpy(h.reserved + 8, &bytes, 8);
            memcpy(h.reserved + 16, s->name, sizeof s->name);
        }
        pthread_mutex_unlock(&rt->lock);
        if (s == NULL || !s->owned) {
            throw_bridge(env, "IPC handle: %p is not the start of a device allocation of this bridge",
                         (void *) (intptr_t) ptr);
            return NULL;
        }
    }
    jbyteArray out = (*env)->NewByteArray(env, IPC_HANDLE_BYTES);
    if (out != NULL) {
        (*env)->SetByteArrayRegion(env, out, 0, IPC_HANDLE_BYTES, (const jbyte *) h.reserved);
    }
    return out;
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_ipcOpen(JNIEnv *env, jclass cls, jlong handle,
                                                                     jbyteArray bytes) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (bytes == NULL || (*env)->GetArrayLength(env, bytes) != IPC_HANDLE_BYTES) {
        throw_bridge(env, "an IPC handle is %d bytes, got %d", IPC_HANDLE_BYTES,
                     bytes == NULL ? -1 : (int) (*env)->GetArrayLength(env, bytes));
        return 0;
    }
    ipc_handle h;
    (*env)->GetByteArrayRegion(env, bytes, 0, IPC_HANDLE_BYTES, (jbyte *) h.reserved);
    if (rt->kind != 0) {
        void *p = NULL;
        int rc = rt->ipc_open(&p, h, 1);
        if (rc != 0) {
            throw_bridge(env, "opening the IPC handle: %s", rt_error(rt, rc));
            return 0;
        }
        return (jlong) (intptr_t) p;
    }
    uint64_t size;
    char name[48];
    memcpy(&size, h.reserved + 8, 8);
    memcpy(name, h.reserved + 16, sizeof name);
    name[sizeof name - 1] = '\0';
    if (memcmp(h.reserved, HOST_MAGIC, 4) != 0 || size == 0 || name[0] != '/') {
        throw_bridge(env, "opening the IPC handle: not a host-backend handle");
        return 0;
    }
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) {
        throw_bridge(env, "opening the IPC handle %s: %s", name, strerror(errno));
        return 0;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t) st.st_size < size) {
        close(fd);
        throw_bridge(env, "opening the IPC handle %s: the segment is smaller than the handle says", name);
        return 0;
    }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        throw_bridge(env, "mapping the IPC handle %s: %s", name, strerror(errno));
        return 0;
    }
    struct shm_segment *s = calloc(1, sizeof *s);
    if (s == NULL) {
        munmap(base, size);
        throw_bridge(env, "out of memory");
        return 0;
    }
    s->base = base;
    s->bytes = size;
    memcpy(s->name, name, sizeof name);
    s->owned = 0;
    pthread_mutex_lock(&rt->lock);
    s->next = rt->segments;
    rt->segments = s;
    pthread_mutex_unlock(&rt->lock);
    return (jlong) (intptr_t) base;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_ipcClose(JNIEnv *env, jclass cls, jlong handle,
                                                                     jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        int rc = rt->ipc_close((void *) (intptr_t) ptr);
        if (rc != 0) {
            throw_bridge(env, "closing the IPC mapping: %s", rt_error(rt, rc));
        }
        return;
    }
    host_release(rt, (void *) (intptr_t) ptr, 0);
}

/* ---------- streams, copies, events ---------- */

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_streamCreate(JNIEnv *env, jclass cls, jlong handle) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        void *stream = NULL;
        int rc = rt->stream_create(&stream, 1);
        if (rc != 0) {
            throw_bridge(env, "creating a stream: %s", rt_error(rt, rc));
            return 0;
        }
        return (jlong) (intptr_t) stream;
    }
    host_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        throw_bridge(env, "out of memory");
        return 0;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->ready, NULL);
    if (pthread_create(&s->thread, NULL, host_stream_run, s) != 0) {
        free(s);
        throw_bridge(env, "starting the host stream's thread failed");
        return 0;
    }
    return (jlong) (intptr_t) s;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_streamDestroy(JNIEnv *env, jclass cls, jlong handle,
                                                                          jlong stream) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        rt->stream_destroy((void *) (intptr_t) stream);
        return;
    }
    host_stream *s = (host_stream *) (intptr_t) stream;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->ready);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL); /* what was queued runs first */
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->ready);
    free(s);
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_copyBatch(JNIEnv *env, jclass cls, jlong handle,
                                                                      jlong stream, jlongArray dsts,
                                                                      jlongArray srcs, jlongArray lengths,
                                                                      jint count, jint toDevice) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (count < 0 || (*env)->GetArrayLength(env, dsts) < count || (*env)->GetArrayLength(env, srcs) < count
        || (*env)->GetArrayLength(env, lengths) < count) {
        throw_bridge(env, "a batch of %d copies needs that many destinations, sources and lengths", count);
        return;
    }
    jlong *dst = (*env)->GetLongArrayElements(env, dsts, NULL);
    jlong *src = (*env)->GetLongArrayElements(env, srcs, NULL);
    jlong *len = (*env)->GetLongArrayElements(env, lengths, NULL);
    for (int i = 0; i < count; i++) {
        if (len[i] < 0) {
            throw_bridge(env, "copy %d: length %lld < 0", i, (long long) len[i]);
            break;
        }
        if (rt->kind != 0) {
            int rc = rt->memcpy_async((void *) (intptr_t) dst[i], (const void *) (intptr_t) src[i],
                                      (size_t) len[i], toDevice ? KIND_H2D : KIND_D2H, (void *) (intptr_t) stream);
            if (rc != 0) {
                throw_bridge(env, "copy %d of %d: %s", i, count, rt_error(rt, rc));
                break;
            }
        } else {
            host_op *op = calloc(1, sizeof *op);
            if (op == NULL) {
                throw_bridge(env, "out of memory");
                break;
            }
            op->dst = (void *) (intptr_t) dst[i];
            op->src = (const void *) (intptr_t) src[i];
            op->bytes = (size_t) len[i];
            host_enqueue((host_stream *) (intptr_t) stream, op);
        }
    }
    (*env)->ReleaseLongArrayElements(env, dsts, dst, JNI_ABORT);
    (*env)->ReleaseLongArrayElements(env, srcs, src, JNI_ABORT);
    (*env)->ReleaseLongArrayElements(env, lengths, len, JNI_ABORT);
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_eventRecord(JNIEnv *env, jclass cls, jlong handle,
                                                                         jlong stream) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        void *event = NULL;
        int rc = rt->event_create(&event, 2);
        if (rc == 0) {
            rc = rt->event_record(event, (void *) (intptr_t) stream);
            if (rc != 0) {
                rt->event_destroy(event);
            }
        }
        if (rc != 0) {
            throw_bridge(env, "recording an event: %s", rt_error(rt, rc));
            return 0;
        }
        return (jlong) (intptr_t) event;
    }
    atomic_int *done = calloc(1, sizeof *done);
    host_op *op = calloc(1, sizeof *op);
    if (done == NULL || op == NULL) {
        free(done);
        free(op);
        throw_bridge(env, "out of memory");
        return 0;
    }
    op->marker = done;
    host_enqueue((host_stream *) (intptr_t) stream, op);
    return (jlong) (intptr_t) done;
}

JNIEXPORT jint JNICALL Java_io_spillway_bridge_NativeBridge_eventQuery(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong event) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        int rc = rt->event_query((void *) (intptr_t) event);
        if (rc == 0) {
            return 1;
        }
        if (rc == RT_NOT_READY) {
            return 0;
        }
        throw_bridge(env, "a copy failed: %s", rt_error(rt, rc));
        return -1;
    }
    if (!atomic_load((atomic_int *) (intptr_t) event)) {
        return 0;
    }
    int faults = atomic_load(&rt->injected_faults);
    while (faults > 0 && !atomic_compare_exchange_weak(&rt->injected_faults, &faults, faults - 1)) {
    }
    if (faults > 0) {
        throw_bridge(env, "a copy failed: injected fault (host backend)");
        return -1;
    }
    return 1;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_injectCopyFaults(JNIEnv *env, jclass cls, jlong handle,
                                                                             jint count) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        throw_bridge(env, "copy faults can be injected on the host backend only");
        return;
    }
    atomic_store(&rt->injected_faults, count < 0 ? 0 : count);
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_eventDestroy(JNIEnv *env, jclass cls, jlong handle,
                                                                         jlong event) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        rt->event_destroy((void *) (intptr_t) event);
    } else {
        free((atomic_int *) (intptr_t) event);
    }
}

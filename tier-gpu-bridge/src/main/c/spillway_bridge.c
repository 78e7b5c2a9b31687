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
 *
 * A runtime knows every range a copy may touch (struct mapping): device memory it allocated, IPC mappings it opened
 * (their size from the segment, or from the driver's cuMemGetAddressRange / hipMemGetAddressRange), ranges an
 * in-process caller declared, and the pinned host memory it allocated. copyBatch refuses a batch in which any copy
 * reaches outside them, before it queues anything: a wrong or hostile block list is an error, never a write at an
 * arbitrary address. The host backend opens by handle only segments whose names start with the caller's prefix and
 * whose owner is this process's user or one the caller allows.
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
    /* the allocation around a device address: cuMemGetAddressRange_v2 (libcuda, the driver) or
     * hipMemGetAddressRange; either may be missing, and then an IPC handle cannot be opened (its size is unknown) */
    void *driver_lib;
    int (*cu_address_range)(unsigned long long *, size_t *, unsigned long long);
    int (*hip_address_range)(void **, size_t *, void *);
    /* every range a copy may touch; for the host backend also what it allocated, so it can export and free it */
    pthread_mutex_t lock;
    struct mapping *mappings;
    /* host backend fault injection: the next this-many completed events report a failed copy */
    atomic_int injected_faults;
};

/* What a mapping is; all but MAP_PINNED are device memory (on the host backend, shared memory standing in). */
enum mapping_kind {
    MAP_SHM_OWNED,  /* host backend: a segment created here (unmapped and unlinked on free) */
    MAP_SHM_OPENED, /* host backend: a segment opened from a handle (unmapped on close) */
    MAP_DEVICE,     /* cuda/hip: device memory allocated here */
    MAP_DEVICE_IPC, /* cuda/hip: an allocation opened from an IPC handle */
    MAP_DECLARED,   /* device memory an in-process caller declared (its own allocation) */
    MAP_PINNED      /* host memory allocated here for copies */
};

/* A range a copy may touch. */
struct mapping {
    void *base;
    size_t bytes;
    int kind;
    char name[48]; /* host backend segments: the POSIX shared-memory name */
    int fd;        /* an owned segment's descriptor, holding its owner lock (see shm_owner_lock); else -1 */
    struct mapping *next;
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
    /* the allocation's range, to size what an IPC handle opened: optional here, required by ipcOpen */
    if (hipx) {
        rt->hip_address_range = dlsym(rt->lib, "hipMemGetAddressRange");
    } else {
        rt->driver_lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (rt->driver_lib != NULL) {
            rt->cu_address_range = dlsym(rt->driver_lib, "cuMemGetAddressRange_v2");
        }
    }
    return 0;
}

static void unload_gpu(runtime *rt) {
    if (rt->driver_lib != NULL) {
        dlclose(rt->driver_lib);
        rt->driver_lib = NULL;
    }
    if (rt->lib != NULL) {
        dlclose(rt->lib);
        rt->lib = NULL;
    }
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
        int count = 0;
        int rc = failed ? 0 : rt->get_device_count(&count);
        if (!failed && (rc != 0 || device < 0 || device >= count)) {
            snprintf(why, sizeof why, "device %d of %d: %s", device, count,
                     rc != 0 ? rt_error(rt, rc) : "no such device");
            failed = 1;
        }
        if (!failed && (rc = rt->set_device(device)) != 0) {
            snprintf(why, sizeof why, "set device %d: %s", device, rt_error(rt, rc));
            failed = 1;
        }
        if (failed) {
            unload_gpu(rt);
            pthread_mutex_destroy(&rt->lock);
            free(rt);
            throw_bridge(env, "%s", why);
            return 0;
        }
    }
    return (jlong) (intptr_t) rt;
}

/* ---------- mappings: every range a copy may touch ---------- */

static int is_device(int kind) {
    return kind != MAP_PINNED;
}

/*
 * Takes the owner lock of a segment this process made: a shared open-file-description lock over the whole file, held
 * as long as the descriptor stays open (until the segment is freed) and dropped by the kernel when the process dies,
 * however it dies. OrphanedSegments (Java) removes a segment only when it can take a conflicting lock, so never one
 * whose owner lives, even one in another pid namespace sharing this /dev/shm. An OFD lock, not a process lock: the
 * same process opening and closing its own segment by handle must not drop it.
 */
static int shm_owner_lock(int fd) {
    struct flock lock = {0};
    lock.l_type = F_RDLCK;
    lock.l_whence = SEEK_SET;
    return fcntl(fd, F_OFD_SETLK, &lock);
}

/* Records a mapping; returns it, or NULL when out of memory. */
static struct mapping *mapping_add(runtime *rt, void *base, size_t bytes, int kind, const char *name, int fd) {
    struct mapping *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    m->base = base;
    m->bytes = bytes;
    m->kind = kind;
    m->fd = fd;
    if (name != NULL) {
        snprintf(m->name, sizeof m->name, "%s", name);
    }
    pthread_mutex_lock(&rt->lock);
    m->next = rt->mappings;
    rt->mappings = m;
    pthread_mutex_unlock(&rt->lock);
    return m;
}

/* The mapping of one of {@code kinds} (a bit per kind) that starts at {@code base}, taken off the list; or NULL. */
static struct mapping *mapping_take(runtime *rt, void *base, unsigned kinds) {
    pthread_mutex_lock(&rt->lock);
    struct mapping **at = &rt->mappings;
    while (*at != NULL && ((*at)->base != base || !(kinds & (1u << (*at)->kind)))) {
        at = &(*at)->next;
    }
    struct mapping *m = *at;
    if (m != NULL) {
        *at = m->next;
    }
    pthread_mutex_unlock(&rt->lock);
    return m;
}

/* The device (or pinned) mapping that holds all of [addr, addr + len), or NULL; the caller holds the lock. */
static struct mapping *mapping_holding(runtime *rt, uintptr_t addr, uint64_t len, int device) {
    for (struct mapping *m = rt->mappings; m != NULL; m = m->next) {
        uintptr_t base = (uintptr_t) m->base;
        if (is_device(m->kind) == device && addr >= base && addr - base <= m->bytes
            && len <= m->bytes - (addr - base)) {
            return m;
        }
    }
    return NULL;
}

/* Releases a mapping's memory where this runtime owns it, then the record. */
static void mapping_free(runtime *rt, struct mapping *m) {
    if (m->kind == MAP_SHM_OWNED || m->kind == MAP_SHM_OPENED) {
        munmap(m->base, m->bytes);
        if (m->kind == MAP_SHM_OWNED) {
            shm_unlink(m->name);
        }
        if (m->fd >= 0) {
            close(m->fd); /* releases the owner lock */
        }
    }
    free(m);
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_close(JNIEnv *env, jclass cls, jlong handle) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt == NULL) {
        return;
    }
    unload_gpu(rt);
    struct mapping *m = rt->mappings;
    while (m != NULL) {
        struct mapping *next = m->next;
        mapping_free(rt, m);
        m = next;
    }
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_mappedBytes(JNIEnv *env, jclass cls, jlong handle,
                                                                         jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    pthread_mutex_lock(&rt->lock);
    struct mapping *m = mapping_holding(rt, (uintptr_t) ptr, 0, 1);
    jlong bytes = m == NULL ? -1 : (jlong) (m->bytes - ((uintptr_t) ptr - (uintptr_t) m->base));
    pthread_mutex_unlock(&rt->lock);
    if (m == NULL) {
        throw_bridge(env, "%p is in no device mapping of this bridge", (void *) (intptr_t) ptr);
    }
    return bytes;
}

/* The allocation the driver says holds {@code p}: its base and size; 0 when it answered, else -1 with {@code why}. */
static int address_range(runtime *rt, void *p, uintptr_t *base, size_t *size, char *why, size_t why_size) {
    int rc;
    if (rt->cu_address_range != NULL) {
        unsigned long long b = 0;
        rc = rt->cu_address_range(&b, size, (unsigned long long) (uintptr_t) p);
        *base = (uintptr_t) b;
    } else if (rt->hip_address_range != NULL) {
        void *b = NULL;
        rc = rt->hip_address_range(&b, size, p);
        *base = (uintptr_t) b;
    } else {
        snprintf(why, why_size, "the driver has no %s, so the mapping's size cannot be known",
                 rt->kind == 1 ? "cuMemGetAddressRange (libcuda.so.1)" : "hipMemGetAddressRange");
        return -1;
    }
    if (rc != 0 || *base > (uintptr_t) p || (uintptr_t) p - *base > *size) {
        snprintf(why, why_size, "the driver did not give the allocation's range (error %d)", rc);
        return -1;
    }
    return 0;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_declareDevice(JNIEnv *env, jclass cls, jlong handle,
                                                                          jlong ptr, jlong bytes) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (ptr == 0 || bytes <= 0) {
        throw_bridge(env, "declaring %lld bytes at %p: needs an address and a size > 0", (long long) bytes,
                     (void *) (intptr_t) ptr);
        return;
    }
    if (rt->kind != 0) {
        uintptr_t base;
        size_t size;
        char why[200];
        if (address_range(rt, (void *) (intptr_t) ptr, &base, &size, why, sizeof why) != 0) {
            throw_bridge(env, "declaring %lld bytes at %p: %s", (long long) bytes, (void *) (intptr_t) ptr, why);
            return;
        }
        uint64_t available = size - ((uintptr_t) ptr - base);
        if ((uint64_t) bytes > available) {
            throw_bridge(env, "declaring %lld bytes at %p: requested end %lld is past the allocation's mapped "
                         "size %llu", (long long) bytes, (void *) (intptr_t) ptr, (long long) bytes,
                         (unsigned long long) available);
            return;
        }
    }
    if (mapping_add(rt, (void *) (intptr_t) ptr, (size_t) bytes, MAP_DECLARED, NULL, -1) == NULL) {
        throw_bridge(env, "out of memory");
    }
}

/* ---------- memory ---------- */

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
        if (mapping_add(rt, p, (size_t) bytes, MAP_DEVICE, NULL, -1) == NULL) {
            rt->dev_free(p);
            throw_bridge(env, "out of memory");
            return 0;
        }
        return (jlong) (intptr_t) p;
    }
    /* process-wide numbering: several runtimes in one process (a worker's cache, a fence page) never collide */
    static atomic_long next_segment;
    char name[48];
    snprintf(name, sizeof name, "/spillway-%d-%ld", (int) getpid(), atomic_fetch_add(&next_segment, 1));
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, (off_t) bytes) != 0 || shm_owner_lock(fd) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            shm_unlink(name);
        }
        throw_bridge(env, "shared memory of %lld bytes: %s", (long long) bytes, strerror(e));
        return 0;
    }
    void *base = mmap(NULL, (size_t) bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        int e = errno;
        close(fd);
        shm_unlink(name);
        throw_bridge(env, "mapping %lld bytes: %s", (long long) bytes, strerror(e));
        return 0;
    }
    if (mapping_add(rt, base, (size_t) bytes, MAP_SHM_OWNED, name, fd) == NULL) {
        munmap(base, (size_t) bytes);
        close(fd);
        shm_unlink(name);
        throw_bridge(env, "out of memory");
        return 0;
    }
    return (jlong) (intptr_t) base;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_deviceFree(JNIEnv *env, jclass cls, jlong handle,
                                                                       jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        struct mapping *m = mapping_take(rt, (void *) (intptr_t) ptr, 1u << MAP_DEVICE);
        free(m);
        int rc = rt->dev_free((void *) (intptr_t) ptr);
        if (rc != 0) {
            throw_bridge(env, "device free: %s", rt_error(rt, rc));
        }
        return;
    }
    struct mapping *m = mapping_take(rt, (void *) (intptr_t) ptr, 1u << MAP_SHM_OWNED);
    if (m != NULL) {
        mapping_free(rt, m);
    }
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
    if (mapping_add(rt, p, (size_t) bytes, MAP_PINNED, NULL, -1) == NULL) {
        if (rt->kind != 0) {
            rt->host_free(p);
        } else {
            free(p);
        }
        throw_bridge(env, "out of memory");
        return 0;
    }
    return (jlong) (intptr_t) p;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_hostFree(JNIEnv *env, jclass cls, jlong handle,
                                                                     jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    free(mapping_take(rt, (void *) (intptr_t) ptr, 1u << MAP_PINNED));
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
#define MAX_ALLOWED_OWNERS 64
/* The user a segment must belong to, unless allowed otherwise; the C test driver puts its own in. */
#ifndef BRIDGE_EUID
#define BRIDGE_EUID() geteuid()
#endif

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
        int found = 0;
        pthread_mutex_lock(&rt->lock);
        for (struct mapping *m = rt->mappings; m != NULL && !found; m = m->next) {
            if (m->base == (void *) (intptr_t) ptr && m->kind == MAP_SHM_OWNED) {
                uint64_t bytes = m->bytes;
                memcpy(h.reserved, HOST_MAGIC, 4);
                memcpy(h.reserved + 8, &bytes, 8);
                memcpy(h.reserved + 16, m->name, sizeof m->name);
                found = 1;
            }
        }
        pthread_mutex_unlock(&rt->lock);
        if (!found) {
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

/*
 * Whether a host-backend segment name may be opened: "/" then {@code prefix}, then letters, digits, '.', '_' or '-'
 * only (no further '/': nothing outside the shared-memory directory), and not "." or "..".
 */
static int segment_name_allowed(const char *name, const char *prefix) {
    size_t n = strlen(name);
    size_t p = strlen(prefix);
    if (n < 2 || name[0] != '/' || p == 0 || strncmp(name + 1, prefix, p) != 0) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
            || c == '-';
        if (!ok) {
            return 0;
        }
    }
    return strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0;
}

static int owner_allowed(uid_t owner, const jint *allowed, jsize count) {
    if (owner == BRIDGE_EUID()) {
        return 1;
    }
    for (jsize i = 0; i < count; i++) {
        if (allowed[i] >= 0 && (uid_t) allowed[i] == owner) {
            return 1;
        }
    }
    return 0;
}

/* Opens a host-backend segment by handle, as {@code prefix} and {@code allowed} owners permit; 0 on error thrown. */
static jlong host_ipc_open(JNIEnv *env, runtime *rt, const ipc_handle *h, const char *prefix, const jint *allowed,
                           jsize allowed_count) {
    uint64_t size;
    char name[48];
    memcpy(&size, h->reserved + 8, 8);
    memcpy(name, h->reserved + 16, sizeof name);
    name[sizeof name - 1] = '\0';
    if (memcmp(h->reserved, HOST_MAGIC, 4) != 0 || size == 0 || size > (uint64_t) SIZE_MAX / 2 || name[0] != '/') {
        throw_bridge(env, "opening the IPC handle: not a host-backend handle");
        return 0;
    }
    if (!segment_name_allowed(name, prefix)) {
        throw_bridge(env, "opening the IPC handle %s: refused, this agent opens only shared-memory segments named "
                     "/%s... (letters, digits, '.', '_', '-')", name, prefix);
        return 0;
    }
    int fd = shm_open(name, O_RDWR | O_NOFOLLOW, 0);
    if (fd < 0) {
        throw_bridge(env, "opening the IPC handle %s: %s", name, strerror(errno));
        return 0;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        throw_bridge(env, "opening the IPC handle %s: not a shared-memory segment", name);
        return 0;
    }
    if (!owner_allowed(st.st_uid, allowed, allowed_count)) {
        close(fd);
        throw_bridge(env, "opening the IPC handle %s: refused, the segment belongs to uid %u, not to this agent's "
                     "uid %u nor an allowed one", name, (unsigned) st.st_uid, (unsigned) BRIDGE_EUID());
        return 0;
    }
    if ((uint64_t) st.st_size < size) {
        close(fd);
        throw_bridge(env, "opening the IPC handle %s: the handle's requested end %llu is past the segment's mapped "
                     "size %lld", name, (unsigned long long) size, (long long) st.st_size);
        return 0;
    }
    void *base = mmap(NULL, (size_t) size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        throw_bridge(env, "mapping the IPC handle %s: %s", name, strerror(errno));
        return 0;
    }
    if (mapping_add(rt, base, (size_t) size, MAP_SHM_OPENED, name, -1) == NULL) {
        munmap(base, (size_t) size);
        throw_bridge(env, "out of memory");
        return 0;
    }
    return (jlong) (intptr_t) base;
}

/* Opens a cuda/hip IPC handle and records the whole allocation as the driver gives its range; 0 on error thrown. */
static jlong gpu_ipc_open(JNIEnv *env, runtime *rt, const ipc_handle *h) {
    void *p = NULL;
    int rc = rt->ipc_open(&p, *h, 1);
    if (rc != 0) {
        throw_bridge(env, "opening the IPC handle: %s", rt_error(rt, rc));
        return 0;
    }
    uintptr_t base;
    size_t size;
    char why[200];
    if (address_range(rt, p, &base, &size, why, sizeof why) != 0) {
        rt->ipc_close(p);
        throw_bridge(env, "opening the IPC handle: %s", why);
        return 0;
    }
    if (mapping_add(rt, p, size - ((uintptr_t) p - base), MAP_DEVICE_IPC, NULL, -1) == NULL) {
        rt->ipc_close(p);
        throw_bridge(env, "out of memory");
        return 0;
    }
    return (jlong) (intptr_t) p;
}

JNIEXPORT jlong JNICALL Java_io_spillway_bridge_NativeBridge_ipcOpen(JNIEnv *env, jclass cls, jlong handle,
                                                                     jbyteArray bytes, jstring prefix,
                                                                     jintArray owners) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (bytes == NULL || (*env)->GetArrayLength(env, bytes) != IPC_HANDLE_BYTES) {
        throw_bridge(env, "an IPC handle is %d bytes, got %d", IPC_HANDLE_BYTES,
                     bytes == NULL ? -1 : (int) (*env)->GetArrayLength(env, bytes));
        return 0;
    }
    ipc_handle h;
    (*env)->GetByteArrayRegion(env, bytes, 0, IPC_HANDLE_BYTES, (jbyte *) h.reserved);
    if (rt->kind != 0) {
        return gpu_ipc_open(env, rt, &h);
    }
    jsize count = owners == NULL ? 0 : (*env)->GetArrayLength(env, owners);
    if (prefix == NULL || count > MAX_ALLOWED_OWNERS) {
        throw_bridge(env, "opening the IPC handle: a segment prefix and at most %d allowed owners are needed, got "
                     "%d", MAX_ALLOWED_OWNERS, (int) count);
        return 0;
    }
    jint allowed[MAX_ALLOWED_OWNERS];
    if (count > 0) {
        (*env)->GetIntArrayRegion(env, owners, 0, count, allowed);
    }
    const char *p = (*env)->GetStringUTFChars(env, prefix, NULL);
    if (p == NULL) {
        return 0; /* out of memory, thrown by the JVM */
    }
    jlong at = host_ipc_open(env, rt, &h, p, allowed, count);
    (*env)->ReleaseStringUTFChars(env, prefix, p);
    return at;
}

JNIEXPORT void JNICALL Java_io_spillway_bridge_NativeBridge_ipcClose(JNIEnv *env, jclass cls, jlong handle,
                                                                     jlong ptr) {
    runtime *rt = (runtime *) (intptr_t) handle;
    if (rt->kind != 0) {
        free(mapping_take(rt, (void *) (intptr_t) ptr, 1u << MAP_DEVICE_IPC));
        int rc = rt->ipc_close((void *) (intptr_t) ptr);
        if (rc != 0) {
            throw_bridge(env, "closing the IPC mapping: %s", rt_error(rt, rc));
        }
        return;
    }
    struct mapping *m = mapping_take(rt, (void *) (intptr_t) ptr, 1u << MAP_SHM_OPENED);
    if (m != NULL) {
        mapping_free(rt, m);
    }
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

/*
 * Whether every copy of a batch stays inside this runtime's mappings: its device side in device memory it allocated,
 * opened or was told of, its host side in pinned memory it allocated. Throws and returns 1 at the first that does
 * not, before anything is queued.
 */
static int check_batch(JNIEnv *env, runtime *rt, const jlong *dst, const jlong *src, const jlong *len, int count,
                       int toDevice) {
    const jlong *device = toDevice ? dst : src;
    const jlong *host = toDevice ? src : dst;
    int bad = -1;
    int device_side = 0;
    pthread_mutex_lock(&rt->lock);
    for (int i = 0; i < count && bad < 0; i++) {
        if (len[i] < 0) {
            bad = i;
        } else if (mapping_holding(rt, (uintptr_t) device[i], (uint64_t) len[i], 1) == NULL) {
            bad = i;
            device_side = 1;
        } else if (mapping_holding(rt, (uintptr_t) host[i], (uint64_t) len[i], 0) == NULL) {
            bad = i;
        }
    }
    pthread_mutex_unlock(&rt->lock);
    if (bad < 0) {
        return 0;
    }
    if (len[bad] < 0) {
        throw_bridge(env, "copy %d: length %lld < 0", bad, (long long) len[bad]);
    } else {
        throw_bridge(env, "copy %d of %d refused: %s bytes [%p, +%lld) are outside every %s mapping of this bridge; "
                     "nothing of the batch was queued", bad, count, device_side ? "device" : "host",
                     (void *) (intptr_t) (device_side ? device[bad] : host[bad]), (long long) len[bad],
                     device_side ? "device" : "pinned host");
    }
    return 1;
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
    int refused = dst == NULL || src == NULL || len == NULL;
    if (!refused) {
        refused = check_batch(env, rt, dst, src, len, count, toDevice);
    }
    for (int i = 0; i < count && !refused; i++) {
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
    if (dst != NULL) {
        (*env)->ReleaseLongArrayElements(env, dsts, dst, JNI_ABORT);
    }
    if (src != NULL) {
        (*env)->ReleaseLongArrayElements(env, srcs, src, JNI_ABORT);
    }
    if (len != NULL) {
        (*env)->ReleaseLongArrayElements(env, lengths, len, JNI_ABORT);
    }
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

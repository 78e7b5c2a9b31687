/*
 * A stand-in for libcudart (and libcuda's cuMemGetAddressRange_v2) or libamdhip64, in host memory, for the
 * sanitizer driver: the bridge's CUDA/HIP paths (loading the table, device allocations, IPC handles, the driver's
 * address range, the mapping checks) run without a GPU. Built by sanitize.sh three ways: cuda (also linked as
 * libcuda.so.1, so the bridge's dlopen of the driver finds this same object and its allocations), hip, and hip
 * without hipMemGetAddressRange (FAKE_NO_RANGE). An "IPC handle" carries the allocation's address: opening it in the
 * same process gives that address back. Not thread-safe beyond what the driver needs: one caller at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef FAKE_HIP
#define API(name) hip##name
#else
#define API(name) cuda##name
#endif

typedef struct {
    char reserved[64];
} ipc_handle;

#define MAX_ALLOCATIONS 64
static struct {
    char *base;
    size_t bytes;
} allocations[MAX_ALLOCATIONS];

static int find(const void *p) {
    for (int i = 0; i < MAX_ALLOCATIONS; i++) {
        if (allocations[i].base != NULL && (const char *) p >= allocations[i].base
            && (const char *) p < allocations[i].base + allocations[i].bytes) {
            return i;
        }
    }
    return -1;
}

int API(SetDevice)(int device) {
    return device == 0 ? 0 : 101;
}

int API(GetDeviceCount)(int *count) {
    *count = 1;
    return 0;
}

int API(Malloc)(void **p, size_t bytes) {
    for (int i = 0; i < MAX_ALLOCATIONS; i++) {
        if (allocations[i].base == NULL) {
            allocations[i].base = calloc(1, bytes);
            allocations[i].bytes = bytes;
            *p = allocations[i].base;
            return *p == NULL ? 2 : 0;
        }
    }
    return 2;
}

int API(Free)(void *p) {
    int i = find(p);
    if (i < 0 || allocations[i].base != p) {
        return 1;
    }
    free(allocations[i].base);
    allocations[i].base = NULL;
    return 0;
}

#ifdef FAKE_HIP
int hipHostMalloc(void **p, size_t bytes, unsigned flags) {
#else
int cudaHostAlloc(void **p, size_t bytes, unsigned flags) {
#endif
    *p = calloc(1, bytes);
    return *p == NULL ? 2 : 0;
}

#ifdef FAKE_HIP
int hipHostFree(void *p) {
#else
int cudaFreeHost(void *p) {
#endif
    free(p);
    return 0;
}

int API(StreamCreateWithFlags)(void **stream, unsigned flags) {
    *stream = malloc(1);
    return 0;
}

int API(StreamDestroy)(void *stream) {
    free(stream);
    return 0;
}

/* runs at once: a "stream" that is always idle */
int API(MemcpyAsync)(void *dst, const void *src, size_t bytes, int kind, void *stream) {
    memcpy(dst, src, bytes);
    return 0;
}

int API(EventCreateWithFlags)(void **event, unsigned flags) {
    *event = malloc(1);
    return 0;
}

int API(EventRecord)(void *event, void *stream) {
    return 0;
}

int API(EventQuery)(void *event) {
    return 0;
}

int API(EventDestroy)(void *event) {
    free(event);
    return 0;
}

int API(IpcGetMemHandle)(ipc_handle *handle, void *p) {
    int i = find(p);
    if (i < 0) {
        return 1;
    }
    memset(handle, 0, sizeof *handle);
    memcpy(handle->reserved, &allocations[i].base, sizeof(char *));
    return 0;
}

int API(IpcOpenMemHandle)(void **p, ipc_handle handle, unsigned flags) {
    char *base;
    memcpy(&base, handle.reserved, sizeof base);
    int i = find(base);
    if (i < 0) {
        return 1;
    }
    *p = base;
    return 0;
}

int API(IpcCloseMemHandle)(void *p) {
    return find(p) < 0 ? 1 : 0;
}

const char *API(GetErrorString)(int code) {
    return "fake runtime error";
}

__attribute__((unused)) static int range(void *p, char **base, size_t *bytes) {
    int i = find(p);
    if (i < 0) {
        return 1;
    }
    *base = allocations[i].base;
    *bytes = allocations[i].bytes;
    return 0;
}

#ifdef FAKE_HIP
#ifndef FAKE_NO_RANGE
int hipMemGetAddressRange(void **base, size_t *bytes, void *p) {
    return range(p, (char **) base, bytes);
}
#endif
#else
int cuMemGetAddressRange_v2(unsigned long long *base, size_t *bytes, unsigned long long p) {
    char *b = NULL;
    int rc = range((void *) (uintptr_t) p, &b, bytes);
    *base = (unsigned long long) (uintptr_t) b;
    return rc;
}
#endif

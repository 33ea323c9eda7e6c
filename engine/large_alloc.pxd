# Large aligned allocations, huge-page advised where the OS offers it (large_alloc.h).
cdef extern from "large_alloc.h" nogil:
    void* ly_large_alloc(size_t size)
    void ly_large_free(void* p)

/*
 * Host code listing of a translation block for debug logs: capstone disassembly when
 * Hull is built with it and the library loads, a hex dump otherwise. The library is
 * opened with dlopen() the first time a listing is asked for: its relocated tables cost
 * about 3 MiB of resident memory, which a hulld that never logs JIT code should not pay.
 */
#include <glib.h>
#include <inttypes.h>

#include "config-host.h"
#include "tcg/jit.h"

#if CONFIG_CAPSTONE
#include <capstone.h>
#include <dlfcn.h>
#include <stdio.h>

typedef struct CapstoneApi {
    cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
    size_t (*disasm)(csh handle, const uint8_t *code, size_t size, uint64_t address,
                     size_t count, cs_insn **insn);
    void (*free)(cs_insn *insn, size_t count);
    cs_err (*close)(csh *handle);
} CapstoneApi;

/* The library's entry points, or NULL when it cannot be loaded. */
static const CapstoneApi *capstone_api(void)
{
    static gsize once;
    static CapstoneApi api;
    static bool ok;

    if (g_once_init_enter(&once)) {
        char soname[32];
        void *lib;

        snprintf(soname, sizeof(soname), "libcapstone.so.%d", CS_API_MAJOR);
        lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            lib = dlopen("libcapstone.so", RTLD_NOW | RTLD_LOCAL);
        }
        if (lib) {
            *(void **)&api.open = dlsym(lib, "cs_open");
            *(void **)&api.disasm = dlsym(lib, "cs_disasm");
            *(void **)&api.free = dlsym(lib, "cs_free");
            *(void **)&api.close = dlsym(lib, "cs_close");
            ok = api.open && api.disasm && api.free && api.close;
        }
        g_once_init_leave(&once, 1);
    }
    return ok ? &api : NULL;
}
#endif

static char *disas_hex(const TranslationBlock *tb)
{
    GString *out = g_string_new(NULL);
    const uint8_t *p = tb->tc_ptr;

    for (uint32_t i = 0; i < tb->tc_size; i += 16) {
        g_string_append_printf(out, "%p:", (const void *)(p + i));
        for (uint32_t k = i; k < MIN(tb->tc_size, i + 16); k++) {
            g_string_append_printf(out, " %02x", p[k]);
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, false);
}

char *tcg_tb_disas(const TranslationBlock *tb)
{
#if CONFIG_CAPSTONE
    const CapstoneApi *cs = capstone_api();
    csh handle;
    cs_insn *insn;

    if (!cs || cs->open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        return disas_hex(tb);
    }
    size_t n = cs->disasm(handle, tb->tc_ptr, tb->tc_size, (uintptr_t)tb->tc_ptr, 0, &insn);
    if (n == 0) {
        cs->close(&handle);
        return disas_hex(tb);
    }
    GString *out = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(out, "0x%" PRIx64 ":  %s %s\n", insn[i].address,
                               insn[i].mnemonic, insn[i].op_str);
    }
    cs->free(insn, n);
    cs->close(&handle);
    return g_string_free(out, false);
#else
    return disas_hex(tb);
#endif
}

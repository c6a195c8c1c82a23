/*
 * Host code listing of a translation block for debug logs: capstone disassembly when
 * Hull is built with it, a hex dump otherwise.
 */
#include <glib.h>
#include <inttypes.h>

#include "config-host.h"
#include "tcg/jit.h"

#if CONFIG_CAPSTONE
#include <capstone.h>
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
    csh handle;
    cs_insn *insn;

    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        return disas_hex(tb);
    }
    size_t n = cs_disasm(handle, tb->tc_ptr, tb->tc_size, (uintptr_t)tb->tc_ptr, 0, &insn);
    if (n == 0) {
        cs_close(&handle);
        return disas_hex(tb);
    }
    GString *out = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(out, "0x%" PRIx64 ":  %s %s\n", insn[i].address,
                               insn[i].mnemonic, insn[i].op_str);
    }
    cs_free(insn, n);
    cs_close(&handle);
    return g_string_free(out, false);
#else
    return disas_hex(tb);
#endif
}

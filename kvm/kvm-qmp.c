/*
 * QMP commands of the KVM accelerator (qapi-schema/kvm.json).
 */
#include "engine/machine.h"
#include "kvm/kvm.h"
#include "qapi/qapi-commands.h"

KvmInfo *qmp_query_kvm(GError **errp)
{
    MachineState *ms = machine_get();
    KvmInfo *info = g_new0(KvmInfo, 1);

    info->present = g_file_test(KVM_DEVICE_PATH, G_FILE_TEST_EXISTS);
    info->enabled = ms && g_strcmp0(ms->accel_name, "kvm") == 0;
    return info;
}

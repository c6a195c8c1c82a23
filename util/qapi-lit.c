/*
 * Conversion of constant JSON trees (QapiLit) to json-glib nodes.
 */
#include "util/qapi-lit.h"

#include "util/qapi-visit-core.h"

JsonNode *qapi_lit_to_node(const QapiLit *lit)
{
    switch (lit->type) {
    case QAPI_LIT_BOOL:
        return json_node_init_boolean(json_node_alloc(), lit->boolean);
    case QAPI_LIT_STR:
        return json_node_init_string(json_node_alloc(), lit->str);
    case QAPI_LIT_OBJECT: {
        JsonObject *obj = json_object_new();

        for (const QapiLitEntry *e = lit->entries; e->key; e++) {
            json_object_set_member(obj, e->key, qapi_lit_to_node(&e->value));
        }
        return qapi_node_take_object(obj);
    }
    case QAPI_LIT_ARRAY: {
        JsonArray *array = json_array_new();

        for (const QapiLit *item = lit->items; item->type != QAPI_LIT_END; item++) {
            json_array_add_element(array, qapi_lit_to_node(item));
        }
        return qapi_node_take_array(array);
    }
    case QAPI_LIT_NULL:
    case QAPI_LIT_END:
        break;
    }
    return json_node_new(JSON_NODE_NULL);
}

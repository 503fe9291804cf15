/* postern-message-model.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-message-item.h"
#include "postern-message-model-private.h"

#define PAGE_SIZE POSTERN_MESSAGE_MODEL_PAGE_SIZE
#define MAX_PAGES POSTERN_MESSAGE_MODEL_MAX_PAGES

/* One page of items; shared by the cache and the read in flight. */
typedef struct
{
  grefcount ref;
  guint number;
  GPtrArray *items; /* PosternMessageItem, placeholders until read */
} Page;

struct _PosternMessageModel
{
  GObject parent_instance;
  PosternSession *session;
  char *folder;
  GCancellable *cancellable; /* replaced on reload */
  guint n_items;
  gboolean loading;
  GHashTable *pages; /* page number → Page */
  GQueue lru;        /* page numbers, most recent first */
  guint64 rows_read;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PosternMessageModel, postern_message_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_LOADING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static Page *
page_ref (Page *page)
{
  g_ref_count_inc (&page->ref);
  return page;
}

static void
page_unref (Page *page)
{
  if (g_ref_count_dec (&page->ref))
    {
      g_ptr_array_unref (page->items);
      g_free (page);
    }
}

static void
postern_message_model_dispose (GObject *object)
{
  PosternMessageModel *self = POSTERN_MESSAGE_MODEL (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  if (self->pages != NULL)
    g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
  G_OBJECT_CLASS (postern_message_model_parent_class)->dispose (object);
}

static void
postern_message_model_finalize (GObject *object)
{
  PosternMessageModel *self = POSTERN_MESSAGE_MODEL (object);

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->folder, g_free);
  G_OBJECT_CLASS (postern_message_model_parent_class)->finalize (object);
}

static void
postern_message_model_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  PosternMessageModel *self = POSTERN_MESSAGE_MODEL (object);

  switch (prop_id)
    {
      case PROP_LOADING:
        g_value_set_boolean (value, self->loading);
        break;
      case PROP_N_ITEMS:
        g_value_set_uint (value, self->n_items);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
postern_message_model_class_init (PosternMessageModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_message_model_dispose;
  object_class->finalize = postern_message_model_finalize;
  object_class->get_property = postern_message_model_get_property;

  properties[PROP_LOADING]
    = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ITEMS]
    = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
postern_message_model_init (PosternMessageModel *self)
{
  self->pages
    = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) page_unref);
  g_queue_init (&self->lru);
}

static void
set_loading (PosternMessageModel *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
page_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternMessageModel) self = g_object_get_data (user_data, "model");
  Page *page = g_object_get_data (user_data, "page");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  rows = postern_session_list_finish (POSTERN_SESSION (source), result, &error);
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot read messages of %s: %s", self->folder, error->message);
    }
  else
    {
      self->rows_read += rows->len;
      /* Items already handed out are filled in place, so rows that show
       * them update through "loaded". */
      for (guint i = 0; i < rows->len && i < page->items->len; i++)
        postern_message_item_set_row (page->items->pdata[i], rows->pdata[i]);
    }
  g_object_unref (user_data);
}

static void
touch_page (PosternMessageModel *self, guint number)
{
  GList *link = g_queue_find (&self->lru, GUINT_TO_POINTER (number));

  if (link != NULL)
    g_queue_unlink (&self->lru, link), g_list_free (link);
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (number));
  while (g_queue_get_length (&self->lru) > MAX_PAGES)
    g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
}

static Page *
get_page (PosternMessageModel *self, guint number)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (number));
  guint first = number * PAGE_SIZE;
  guint size;
  GObject *request;

  if (page != NULL)
    {
      touch_page (self, number);
      return page;
    }

  size = MIN (PAGE_SIZE, self->n_items - first);
  page = g_new0 (Page, 1);
  g_ref_count_init (&page->ref);
  page->number = number;
  page->items = g_ptr_array_new_full (size, g_object_unref);
  for (guint i = 0; i < size; i++)
    g_ptr_array_add (page->items, postern_message_item_new (NULL));
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (number), page);
  touch_page (self, number);

  /* A plain object carries the model and the page to the callback. */
  request = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_set_data_full (request, "model", g_object_ref (self), NULL);
  g_object_set_data_full (request, "page", page_ref (page), (GDestroyNotify) page_unref);
  postern_session_list_async (self->session, self->folder, first, size, self->cancellable,
                              page_read, request);
  return page;
}

static GType
model_get_item_type (GListModel *model)
{
  return POSTERN_TYPE_MESSAGE_ITEM;
}

static guint
model_get_n_items (GListModel *model)
{
  return POSTERN_MESSAGE_MODEL (model)->n_items;
}

static gpointer
model_get_item (GListModel *model, guint position)
{
  PosternMessageModel *self = POSTERN_MESSAGE_MODEL (model);
  Page *page;

  if (position >= self->n_items || self->session == NULL)
    return NULL;
  page = get_page (self, position / PAGE_SIZE);
  if (position % PAGE_SIZE >= page->items->len)
    return NULL;
  return g_object_ref (page->items->pdata[position % PAGE_SIZE]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = model_get_item_type;
  iface->get_n_items = model_get_n_items;
  iface->get_item = model_get_item;
}

static void
counted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PosternMessageModel) self = user_data;
  g_autoptr (GError) error = NULL;
  gssize count = postern_session_count_finish (POSTERN_SESSION (source), result, &error);
  guint removed;

  if (count < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("cannot count messages of %s: %s", self->folder, error->message);
      count = 0;
    }
  removed = self->n_items;
  self->n_items = (guint) count;
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
  set_loading (self, FALSE);
  if (removed != 0 || self->n_items != 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->n_items);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

/**
 * postern_message_model_reload:
 *
 * Counts the folder again and drops every cached page: the list then shows
 * what the store holds now. Reads still in flight are cancelled.
 */
void
postern_message_model_reload (PosternMessageModel *self)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_MODEL (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  postern_session_count_async (self->session, self->folder, self->cancellable, counted,
                               g_object_ref (self));
}

PosternMessageModel *
postern_message_model_new (PosternSession *session, const char *folder)
{
  PosternMessageModel *self;

  g_return_val_if_fail (POSTERN_IS_SESSION (session), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (POSTERN_TYPE_MESSAGE_MODEL, NULL);
  self->session = g_object_ref (session);
  self->folder = g_strdup (folder);
  postern_message_model_reload (self);
  return self;
}

const char *
postern_message_model_get_folder (PosternMessageModel *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_MODEL (self), NULL);
  return self->folder;
}

gboolean
postern_message_model_get_loading (PosternMessageModel *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_MODEL (self), FALSE);
  return self->loading;
}

guint
_postern_message_model_get_n_cached_pages (PosternMessageModel *self)
{
  return g_hash_table_size (self->pages);
}

guint64
_postern_message_model_get_rows_read (PosternMessageModel *self)
{
  return self->rows_read;
}

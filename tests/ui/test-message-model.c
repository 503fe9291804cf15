/* test-message-model.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The lazy message model reads only the pages that are asked for, keeps a
 * bounded window of them, and fills placeholders in place.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "postern-message-item.h"
#include "postern-message-model-private.h"
#include "postern-session.h"

#define N_MESSAGES 1000

typedef struct
{
  char *dir;
  PosternSession *session;
} Fixture;

static void
opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  PosternSession **out = user_data;

  *out = postern_session_open_finish (result, &error);
  g_assert_no_error (error);
}

static void
fill_inbox (PosternStore *store)
{
  g_autoptr (GArray) batch = g_array_new (FALSE, TRUE, sizeof (PosternDelivery));
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      /* Message i is i minutes newer than message 0. */
      g_autoptr (GDateTime) date = g_date_time_new_utc (2026, 1, 1, 0, 0, 0);
      g_autoptr (GDateTime) when = g_date_time_add_minutes (date, (int) i);
      g_autofree char *stamp = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
      g_autofree char *text
        = g_strdup_printf ("From: sender%u@example.org\r\nTo: me@example.org\r\n"
                           "Subject: message %u\r\nMessage-ID: <%u@example.org>\r\n"
                           "Date: %s\r\n\r\nBody %u\r\n",
                           i, i, i, stamp, i);
      PosternDelivery d
        = { g_bytes_new (text, strlen (text)), NULL, POSTERN_LOCK_TLS, NULL, FALSE };
      g_array_append_val (batch, d);
    }
  g_assert_true (postern_store_deliver (store, POSTERN_STORE_INBOX, (PosternDelivery *) batch->data,
                                        batch->len, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < batch->len; i++)
    {
      PosternDelivery *d = &g_array_index (batch, PosternDelivery, i);
      g_bytes_unref (d->bytes);
      postern_delivery_clear (d);
    }
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *profile = NULL;

  f->dir = g_dir_make_tmp ("postern-model-XXXXXX", &error);
  g_assert_no_error (error);
  profile = g_build_filename (f->dir, "profile", NULL);
  postern_session_open_async (profile, TRUE, NULL, opened, &f->session);
  while (f->session == NULL)
    g_main_context_iteration (NULL, TRUE);
  fill_inbox (postern_profile_get_store (postern_session_get_profile (f->session), NULL));
}

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A GTask run in a thread keeps its source object until the worker has
 * let go of it, which can be just after the callback ran: wait for that,
 * then require the object to be gone. */
static void
assert_finalized (gpointer object)
{
  gpointer weak = object;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_null (weak);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  assert_finalized (f->session);
  rm_rf (f->dir);
  g_free (f->dir);
}

static void
wait_loaded (PosternMessageItem *item)
{
  while (!postern_message_item_get_loaded (item))
    g_main_context_iteration (NULL, TRUE);
}

static guint
subject_number (PosternMessageItem *item)
{
  return (guint) g_ascii_strtoull (postern_message_item_get_subject (item) + strlen ("message "),
                                   NULL, 10);
}

static void
test_lazy_pages (Fixture *f, gconstpointer data)
{
  PosternMessageModel *model = postern_message_model_new (f->session, POSTERN_STORE_INBOX);
  g_autoptr (PosternMessageItem) first = NULL;
  g_autoptr (PosternMessageItem) last = NULL;
  g_autoptr (PosternMessageItem) again = NULL;

  /* The count arrives from a worker; until then the model is empty. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  while (postern_message_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_MESSAGES);
  g_assert_cmpuint (_postern_message_model_get_rows_read (model), ==, 0);
  g_assert_cmpuint (_postern_message_model_get_n_cached_pages (model), ==, 0);

  /* The first item is a placeholder filled in place: newest first. */
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_false (postern_message_item_get_loaded (first));
  wait_loaded (first);
  g_assert_cmpuint (subject_number (first), ==, N_MESSAGES - 1);
  g_assert_cmpuint (_postern_message_model_get_rows_read (model), ==,
                    POSTERN_MESSAGE_MODEL_PAGE_SIZE);

  /* Jumping to the end reads the last page only. */
  last = g_list_model_get_item (G_LIST_MODEL (model), N_MESSAGES - 1);
  wait_loaded (last);
  g_assert_cmpuint (subject_number (last), ==, 0);
  g_assert_cmpuint (_postern_message_model_get_rows_read (model), ==,
                    2 * POSTERN_MESSAGE_MODEL_PAGE_SIZE);
  g_assert_cmpuint (_postern_message_model_get_n_cached_pages (model), ==, 2);

  /* A cached page hands out the same item again, without a read. */
  again = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (again == first);
  g_assert_cmpuint (_postern_message_model_get_rows_read (model), ==,
                    2 * POSTERN_MESSAGE_MODEL_PAGE_SIZE);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), N_MESSAGES));

  assert_finalized (model);
}

static void
test_scroll_window (Fixture *f, gconstpointer data)
{
  PosternMessageModel *model = postern_message_model_new (f->session, POSTERN_STORE_INBOX);

  while (postern_message_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  /* Scrolling through everything keeps at most MAX_PAGES pages cached, and
   * every item arrives in order. */
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr (PosternMessageItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      wait_loaded (item);
      g_assert_cmpuint (subject_number (item), ==, N_MESSAGES - 1 - i);
      g_assert_cmpuint (_postern_message_model_get_n_cached_pages (model), <=,
                        POSTERN_MESSAGE_MODEL_MAX_PAGES);
    }
  g_assert_cmpuint (_postern_message_model_get_rows_read (model), ==, N_MESSAGES);
  assert_finalized (model);
}

static void
count_changes (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  PosternMessageModel *model = postern_message_model_new (f->session, POSTERN_STORE_INBOX);
  PosternStore *store = postern_profile_get_store (postern_session_get_profile (f->session), NULL);
  g_autoptr (GError) error = NULL;
  const char text[] = "From: late@example.org\r\nSubject: late\r\n"
                      "Date: Fri, 1 Jan 2027 00:00:00 +0000\r\n\r\nLate\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr (PosternMessageItem) item = NULL;
  guint changes = 0;

  g_signal_connect (model, "items-changed", G_CALLBACK (count_changes), &changes);
  while (postern_message_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (changes, ==, 1);

  g_assert_true (
    postern_store_add (store, POSTERN_STORE_INBOX, bytes, NULL, POSTERN_LOCK_ONION, NULL, &error));
  g_assert_no_error (error);
  postern_message_model_reload (model);
  while (postern_message_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_MESSAGES + 1);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  wait_loaded (item);
  g_assert_cmpstr (postern_message_item_get_subject (item), ==, "late");
  g_assert_cmpint (postern_message_item_get_lock (item), ==, POSTERN_LOCK_ONION);
  g_assert_true (postern_message_item_get_unread (item));
  g_clear_object (&item);
  assert_finalized (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/Postern/UI/MessageModel/lazy-pages", Fixture, NULL, fixture_set_up, test_lazy_pages,
              fixture_tear_down);
  g_test_add ("/Postern/UI/MessageModel/scroll-window", Fixture, NULL, fixture_set_up,
              test_scroll_window, fixture_tear_down);
  g_test_add ("/Postern/UI/MessageModel/reload", Fixture, NULL, fixture_set_up, test_reload,
              fixture_tear_down);
  return g_test_run ();
}

/* postern-application-actions.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's actions (app.*) and their accelerators.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-application-private.h"
#include "postern-window.h"

GtkWindow *
_postern_application_get_main_window (PosternApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (POSTERN_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PosternApplication *self = user_data;
  GtkWindow *window;

  /* Closing the windows first lets each save its state. */
  while ((window = gtk_application_get_active_window (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (self));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PosternApplication *self = user_data;
  static const char *developers[] = { "The Postern authors", NULL };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about, "transient-for", _postern_application_get_main_window (self),
                "application-name", "Postern", "application-icon", APP_ID, "version",
                PACKAGE_VERSION, "developers", developers, "license-type", GTK_LICENSE_GPL_3_0,
                "comments", _ ("A mail client that shows how every message travels"), NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* app.compose('mailto:…') opens a composer filled from the URI; an empty
 * string opens an empty one. */
static void
compose_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  PosternApplication *self = user_data;
  GtkWindow *window = _postern_application_get_main_window (self);
  const char *uri = parameter ? g_variant_get_string (parameter, NULL) : "";
  g_autoptr (PosternOutgoing) initial = NULL;
  g_autoptr (GError) error = NULL;

  if (window == NULL)
    return;
  if (*uri != '\0' && (initial = postern_outgoing_new_from_mailto (uri, &error)) == NULL)
    {
      postern_window_show_toast (POSTERN_WINDOW (window), error->message);
      return;
    }
  postern_window_compose (POSTERN_WINDOW (window), initial);
}

static const GActionEntry app_actions[] = {
  { .name = "compose", .activate = compose_activated, .parameter_type = "s" },
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
};

void
_postern_application_add_actions (PosternApplication *self)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *help_accels[] = { "<Control>question", NULL };

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  if (self->settings != NULL)
    {
      g_autoptr (GAction) scheme = g_settings_create_action (self->settings, "color-scheme");
      g_action_map_add_action (G_ACTION_MAP (self), scheme);
    }
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         help_accels);
}

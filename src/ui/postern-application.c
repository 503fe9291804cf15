/* postern-application.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-application-private.h"
#include "postern-window.h"

G_DEFINE_FINAL_TYPE (PosternApplication, postern_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "profile", 'p', 0, G_OPTION_ARG_FILENAME, NULL, N_ ("Use the profile in DIR"), N_ ("DIR") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Open the demo profile"), NULL },
  { NULL },
};

static void
postern_application_finalize (GObject *object)
{
  PosternApplication *self = POSTERN_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->profile_path, g_free);
  G_OBJECT_CLASS (postern_application_parent_class)->finalize (object);
}

static int
postern_application_handle_local_options (GApplication *app, GVariantDict *dict)
{
  PosternApplication *self = POSTERN_APPLICATION (app);
  const char *profile = NULL;

  if (g_variant_dict_lookup (dict, "profile", "^&ay", &profile) && profile != NULL)
    self->profile_path = g_canonicalize_filename (profile, NULL);
  g_variant_dict_lookup (dict, "demo", "b", &self->demo);
  return -1;
}

static void
apply_color_scheme (PosternApplication *self)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *scheme = g_settings_get_string (self->settings, "color-scheme");

  if (g_str_equal (scheme, "light"))
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_str_equal (scheme, "dark"))
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

static void
postern_application_startup (GApplication *app)
{
  PosternApplication *self = POSTERN_APPLICATION (app);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema
    = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  G_APPLICATION_CLASS (postern_application_parent_class)->startup (app);

  /* Running from a build tree without GSETTINGS_SCHEMA_DIR: work without
   * remembering UI state rather than abort. */
  if (schema != NULL)
    {
      self->settings = g_settings_new (APP_ID);
      g_signal_connect_swapped (self->settings, "changed::color-scheme",
                                G_CALLBACK (apply_color_scheme), self);
      apply_color_scheme (self);
    }
  else
    g_message ("GSettings schema %s is not installed: window state is not remembered", APP_ID);

  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/postern/Postern/icons");
  gtk_window_set_default_icon_name (APP_ID);
  _postern_application_add_actions (self);
}

static PosternWindow *
ensure_window (PosternApplication *self)
{
  GtkWindow *window = _postern_application_get_main_window (self);

  if (window == NULL)
    {
      PosternWindow *win = postern_window_new (self);
      if (self->demo)
        postern_window_open_demo (win);
      else
        postern_window_open_profile (win, self->profile_path);
      window = GTK_WINDOW (win);
    }
  return POSTERN_WINDOW (window);
}

static void
postern_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (ensure_window (POSTERN_APPLICATION (app))));
}

static void
postern_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  PosternApplication *self = POSTERN_APPLICATION (app);
  PosternWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      if (g_file_has_uri_scheme (files[i], "mailto"))
        g_action_group_activate_action (G_ACTION_GROUP (app), "compose",
                                        g_variant_new_string (uri));
      else
        g_message ("not a mailto: URI, ignored: %s", uri);
    }
}

static void
postern_application_class_init (PosternApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = postern_application_finalize;
  app_class->handle_local_options = postern_application_handle_local_options;
  app_class->startup = postern_application_startup;
  app_class->activate = postern_application_activate;
  app_class->open = postern_application_open;
}

static void
postern_application_init (PosternApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _ ("[mailto:URI…]"));
}

PosternApplication *
postern_application_new (void)
{
  return g_object_new (POSTERN_TYPE_APPLICATION, "application-id", APP_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path",
                       "/io/github/postern/Postern", NULL);
}

/**
 * postern_application_get_settings:
 *
 * Returns: (nullable) (transfer none): the UI settings, %NULL when the
 *   schema is not installed
 */
GSettings *
postern_application_get_settings (PosternApplication *self)
{
  g_return_val_if_fail (POSTERN_IS_APPLICATION (self), NULL);
  return self->settings;
}

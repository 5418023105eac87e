from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # The models behind the two-factor rule load only once the apps are ready.
        from portal import twofactor

        user_logged_in.connect(twofactor.note_sign_in, dispatch_uid="hongmei-two-factor")

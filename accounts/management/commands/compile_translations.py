from django.core.management.base import BaseCommand

from accounts.catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Compiles locale/*/LC_MESSAGES/*.po to .mo with Babel (no GNU gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rewrite every .mo file.")

    def handle(self, *args, force=False, **options):
        for mo in compile_catalogues(force=force):
            self.stdout.write(f"compiled {mo}")

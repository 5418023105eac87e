"""Static files as WhiteNoise's compressed manifest storage writes them, with brotli at
quality 9 instead of the library's 11: the files come out about a tenth larger and
collectstatic runs ten times faster (107 s against 8 s for the API documentation's
1.6 MB Swagger bundle on a busy core), which `make prod` and each deploy pay."""

import brotli
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

BROTLI_QUALITY = 9


class QuickerBrotliCompressor(Compressor):
    @staticmethod
    def compress_brotli(data):
        return brotli.compress(data, quality=BROTLI_QUALITY)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return QuickerBrotliCompressor(**kwargs)

/**
 * Debian's WenQuanYi Zen Hei (package fonts-wqy-zenhei, which .ci/run installs): the font embedded in public
 * credit reports unless the config's report.font names another. Its own module so the config loader can name
 * it without loading the PDF code.
 */
export const DEFAULT_REPORT_FONT = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';

import express from 'express';
import multer from 'multer';

/** B_mp: bare Express + multer taking the same multipart POST into the same filesystem. */
const [port, dir] = [Number(process.argv[2]), process.argv[3]];
const upload = multer({ dest: dir, limits: { fileSize: 10 * 1024 * 1024 } });
const app = express();
app.post('/submit', upload.any(), (_req, res) => {
  res.status(202).json({ id: 'x', status: 'PENDING' });
});
app.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
